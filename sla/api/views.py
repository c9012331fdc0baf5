"""SLA control endpoints: urge, suspend/resume, reschedule, approvals."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.converters import ID_REGEX
from dispatch_center.filters import IdFilter
from dispatch_center.permissions import role_permission
from dispatch_center.roles import Role
from workorders.api.serializers import EmptySerializer, WorkOrderSerializer
from workorders.selectors import orders_visible_to

from .. import services
from ..models import Approval, ApprovalKind, ApprovalStatus
from ..selectors import approvals_visible_to
from . import serializers as s

URGERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR)
WORKERS = (Role.TECHNICIAN, Role.DISPATCHER, Role.SUPERVISOR)
DECIDERS = (Role.SUPERVISOR, Role.DISPATCHER)
APPROVAL_READERS = (Role.SUPERVISOR, Role.DISPATCHER, Role.MANAGER, Role.TECHNICIAN)


def _order(request, pk):
    return get_object_or_404(orders_visible_to(request.user), pk=pk)


def _input(request, serializer_class):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _approval(approval, code=status.HTTP_200_OK):
    data = s.ApprovalSerializer(approval, context={"now": timezone.now()}).data
    return Response(data, status=code)


class OrderUrgeView(APIView):
    permission_classes = [role_permission(*URGERS)]

    @extend_schema(
        request=s.UrgeInSerializer,
        responses={200: WorkOrderSerializer},
        summary="催单: record a customer's chase; the 2nd urge escalates",
    )
    def post(self, request, pk):
        data = _input(request, s.UrgeInSerializer)
        order = services.work_order_urge_record(
            _order(request, pk), note=data["note"], by=request.user
        )
        return Response(WorkOrderSerializer(order).data)


class OrderSuspendView(APIView):
    permission_classes = [role_permission(*WORKERS)]

    @extend_schema(
        request=s.SuspendInSerializer,
        responses={202: s.ApprovalSerializer},
        summary="挂起: ask a supervisor to approve a suspension",
    )
    def post(self, request, pk):
        data = _input(request, s.SuspendInSerializer)
        approval = services.approval_request(
            _order(request, pk), kind=ApprovalKind.SUSPEND, by=request.user, **data
        )
        return _approval(approval, status.HTTP_202_ACCEPTED)


class OrderResumeView(APIView):
    permission_classes = [role_permission(*WORKERS)]

    @extend_schema(
        request=EmptySerializer,
        responses={200: WorkOrderSerializer},
        summary="解除挂起: leave an approved suspension",
    )
    def post(self, request, pk):
        order = services.work_order_resume_suspended(
            _order(request, pk), by=request.user
        )
        return Response(WorkOrderSerializer(order).data)


class OrderRescheduleView(APIView):
    permission_classes = [role_permission(*WORKERS)]

    @extend_schema(
        request=s.RescheduleInSerializer,
        responses={202: s.ApprovalSerializer},
        summary="改约: ask a supervisor to approve a new appointment "
        "(400 unless customer_confirmed)",
    )
    def post(self, request, pk):
        data = _input(request, s.RescheduleInSerializer)
        approval = services.approval_request(
            _order(request, pk), kind=ApprovalKind.RESCHEDULE, by=request.user, **data
        )
        return _approval(approval, status.HTTP_202_ACCEPTED)


class ApprovalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ApprovalKind.choices)
    order = IdFilter(field_name="order_id")

    class Meta:
        model = Approval
        fields = []


class ApprovalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """挂起/改约审核: pending requests oldest first, with their age."""

    lookup_value_regex = ID_REGEX

    serializer_class = s.ApprovalSerializer
    filterset_class = ApprovalFilter
    queryset = Approval.objects.none()

    def get_queryset(self):
        return approvals_visible_to(self.request.user)

    def get_permissions(self):
        roles = DECIDERS if self.action in ("approve", "reject") else APPROVAL_READERS
        return [role_permission(*roles)()]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=s.DecisionInSerializer,
        responses={200: s.ApprovalSerializer},
        summary="Approve a suspend/reschedule request (supervisor)",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = _input(request, s.DecisionInSerializer)
        approval = services.approval_approve(
            self.get_object(), note=data["note"], by=request.user
        )
        return _approval(approval)

    @extend_schema(
        request=s.DecisionInSerializer,
        responses={200: s.ApprovalSerializer},
        summary="Reject a suspend/reschedule request with a note (supervisor)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = _input(request, s.DecisionInSerializer)
        approval = services.approval_reject(
            self.get_object(), note=data["note"], by=request.user
        )
        return _approval(approval)
