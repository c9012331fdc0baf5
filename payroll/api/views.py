"""Payroll endpoints: runs (compute, review, lock, lines, items, diff, vendor
settlement, xlsx), a technician's own lines, management assessments."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from dispatch_center.errors import Forbidden, InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.replica import read_from_replica
from dispatch_center.roles import Role
from org.selectors import technicians_visible_to, user_district_id

from .. import exports, selectors, services
from ..models import Adjustment, PayrollLine, PayrollRun
from . import serializers as s
from .filters import AdjustmentFilter, MyLineFilter, RunFilter

READERS = (Role.MANAGER, Role.FINANCE)
OPERATORS = (Role.MANAGER, Role.FINANCE)  # compute, review, lock
ASSESSORS = (Role.MANAGER,)  # management assessments (管理考核)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ID = 2**63 - 1

TECHNICIAN = OpenApiParameter(
    "technician", OpenApiTypes.STR, required=False, description="a technician code"
)
AGAINST = OpenApiParameter(
    "against",
    OpenApiTypes.INT,
    required=True,
    description="id of the run to compare with (usually another version)",
)


def _input(request, serializer_class):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _city_wide(user) -> None:
    """Runs cover the whole city: a district-scoped user may read its
    district's lines but not compute, review or lock."""
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        raise Forbidden(gettext("工资核算按全市进行，限定区局的账号不能操作。"))


def run_command(name, summary):
    def wrap(fn):
        fn = action(
            detail=True,
            methods=["post"],
            url_path=name,
            permission_classes=[role_permission(*OPERATORS)],
        )(fn)
        return extend_schema(
            request=None, responses={200: s.RunDetailSerializer}, summary=summary
        )(fn)

    return wrap


class RunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A month's payroll runs: every computation is a new version."""

    permission_classes = [role_permission(*READERS)]
    filterset_class = RunFilter
    queryset = PayrollRun.objects.none()

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return s.RunSerializer
        return s.RunDetailSerializer

    def perform_content_negotiation(self, request, force=False):
        # The export answers xlsx itself (a plain HttpResponse); its errors,
        # like every other answer here, are JSON whatever the Accept header.
        if self.action == "export":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        request=s.RunCreateSerializer,
        responses={201: s.RunDetailSerializer},
        summary="Compute a month: a new draft run (the next version of the month)",
    )
    def create(self, request):
        _city_wide(request.user)
        data = _input(request, s.RunCreateSerializer)
        run = services.payroll_run_create(month=data["month"], by=request.user)
        return Response(s.RunDetailSerializer(run).data, status=status.HTTP_201_CREATED)

    @run_command("review", "Review a draft run (draft → reviewed)")
    def review(self, request, pk=None):
        _city_wide(request.user)
        run = services.payroll_run_review(self.get_object(), by=request.user)
        return Response(s.RunDetailSerializer(run).data)

    @run_command(
        "lock", "Lock a reviewed run (reviewed → locked); it never changes again"
    )
    def lock(self, request, pk=None):
        _city_wide(request.user)
        run = services.payroll_run_lock(self.get_object(), by=request.user)
        return Response(s.RunDetailSerializer(run).data)

    @extend_schema(
        parameters=[TECHNICIAN],
        responses={200: s.LineSerializer(many=True)},
        summary="Lines: per technician post wage, hours, piece wage, rewards, "
        "penalties, total",
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def lines(self, request, pk=None):
        run = self.get_object()
        technician = request.query_params.get("technician")
        lines = selectors.lines_of(run, request.user)
        if technician:
            lines = lines.filter(technician__code=technician)
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(s.LineSerializer(page, many=True).data)

    @extend_schema(
        responses={200: s.ItemSerializer(many=True)},
        summary="Drill-down: the orders of a line with their hours and coefficients",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"lines/(?P<line_id>[0-9]{1,18})/items",
        filterset_class=None,
    )
    def line_items(self, request, pk=None, line_id=None):
        run = self.get_object()
        line = get_object_or_404(selectors.lines_of(run, request.user), pk=line_id)
        page = self.paginate_queryset(selectors.items_of(line))
        return self.get_paginated_response(s.ItemSerializer(page, many=True).data)

    @extend_schema(
        responses={200: s.VendorsSerializer},
        summary="外包结算: vendor settlement, the vendors' technicians' lines summed",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def vendors(self, request, pk=None):
        run = self.get_object()
        payload = {
            "run": run.pk,
            "month": run.month,
            "version": run.version,
            "vendors": selectors.vendor_settlement(
                selectors.lines_of(run, request.user)
            ),
        }
        return Response(s.VendorsSerializer(payload).data)

    @extend_schema(
        parameters=[AGAINST],
        responses={200: s.DiffSerializer},
        summary="Differences per technician between this run and another "
        "(delta = this − against)",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def diff(self, request, pk=None):
        run = self.get_object()
        raw = request.query_params.get("against", "")
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise InvalidInput("against", gettext("对比对象须为一次核算的编号。"))
        other = self.get_queryset().filter(pk=int(raw)).first()
        if other is None:
            raise InvalidInput("against", gettext("没有这次核算。"))
        return Response(
            s.DiffSerializer(selectors.run_diff(run, other, request.user)).data
        )

    @extend_schema(
        responses={(200, XLSX): OpenApiTypes.BINARY},
        summary="The run as xlsx: lines with a totals row, vendor settlement, rates",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    @read_from_replica
    def export(self, request, pk=None):
        run = self.get_object()
        lines = selectors.lines_of(run, request.user)
        content = exports.run_xlsx(run, lines, selectors.vendor_settlement(lines))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="payroll-{run.month}-v{run.version}.xlsx"'
        )
        return response


class MyLineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A technician's own lines (reviewed and locked runs), for the phone page."""

    permission_classes = [role_permission(Role.TECHNICIAN)]
    serializer_class = s.MyLineSerializer
    filterset_class = MyLineFilter
    queryset = PayrollLine.objects.none()

    def get_queryset(self):
        return selectors.my_lines(self.request.user)

    @extend_schema(
        responses={200: s.ItemSerializer(many=True)},
        summary="The orders and coefficients of one of my lines",
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def items(self, request, pk=None):
        line = self.get_object()
        page = self.paginate_queryset(selectors.items_of(line))
        return self.get_paginated_response(s.ItemSerializer(page, many=True).data)


class AdjustmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """管理考核: single-item rewards and penalties per technician and month."""

    serializer_class = s.AdjustmentSerializer
    filterset_class = AdjustmentFilter
    queryset = Adjustment.objects.none()

    def get_permissions(self):
        roles = ASSESSORS if self.action == "create" else READERS
        return [role_permission(*roles)()]

    def get_queryset(self):
        qs = Adjustment.objects.select_related("technician", "created_by")
        district_id = user_district_id(self.request.user)
        if district_id is not None:
            qs = qs.filter(technician__group__area__district_id=district_id)
        return qs.order_by("-month", "-id")

    def create(self, request):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        if (
            not technicians_visible_to(request.user)
            .filter(pk=data["technician"].pk)
            .exists()
        ):  # another district's technician is as unknown as a missing one
            raise InvalidInput(
                "technician",
                gettext("未知的装维工程师：%(code)s。")
                % {"code": data["technician"].code},
            )
        adjustment = services.adjustment_create(
            technician=data["technician"],
            month=data["month"],
            kind=data["kind"],
            amount=data["amount"],
            reason=data["reason"],
            by=request.user,
        )
        return Response(
            s.AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED
        )
