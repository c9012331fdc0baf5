from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.converters import ID_REGEX
from dispatch_center.errors import InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.roles import Role
from workorders.api.serializers import ReopenInSerializer, WorkOrderSerializer
from workorders.api.views import COMPLETERS
from workorders.selectors import orders_visible_to

from .. import services
from ..models import FaultStatus, NetworkFault
from ..selectors import faults_visible_to
from . import serializers as s

READERS = (
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.HOTLINE_AGENT,
    Role.MANAGER,
    Role.CRM,
)
# dispatchers and technical support (组长/支撑: the supervisor role) act on faults
ACTORS = (Role.DISPATCHER, Role.SUPERVISOR)


class FaultFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=FaultStatus.choices)
    area = filters.CharFilter(method="by_area", help_text="area (片区) code")
    package_area = filters.CharFilter(method="by_package_area")

    class Meta:
        model = NetworkFault
        fields = ["status"]

    def by_area(self, qs, name, value):
        return qs.filter(
            pk__in=NetworkFault.objects.filter(
                package_areas__group__area__code=value
            ).values("pk")
        )

    def by_package_area(self, qs, name, value):
        return qs.filter(
            pk__in=NetworkFault.objects.filter(package_areas__code=value).values("pk")
        )


def fault_action(name, request_serializer, *, summary="", response=None):
    return lambda fn: extend_schema(
        request=request_serializer,
        responses={200: response or s.NetworkFaultSerializer},
        summary=summary,
    )(
        action(
            detail=True,
            methods=["post"],
            url_path=name,
            pagination_class=None,
            filter_backends=[],
        )(fn)
    )


class NetworkFaultViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID_REGEX
    serializer_class = s.NetworkFaultSerializer
    filterset_class = FaultFilter
    queryset = NetworkFault.objects.none()

    def get_queryset(self):
        return (
            faults_visible_to(self.request.user)
            .prefetch_related("package_areas")
            .order_by("-started_at", "-id")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_permissions(self):
        readonly = self.action in ("list", "retrieve", "timeline")
        return [role_permission(*(READERS if readonly else ACTORS))()]

    def _input(self, serializer_class):
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    def _respond(self, fault, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=fault.pk)
        return Response(s.NetworkFaultSerializer(fresh).data, status=code)

    @extend_schema(
        request=s.DeclareInSerializer,
        responses={201: s.NetworkFaultSerializer},
        summary="Declare a confirmed fault by hand",
    )
    def create(self, request):
        data = self._input(s.DeclareInSerializer)
        profile = getattr(request.user, "staff_profile", None)
        if profile is not None and profile.district_id is not None:
            outside = orders_outside_district(
                data["package_areas"], profile.district_id
            )
            if outside:
                raise InvalidInput(
                    "package_areas",
                    gettext("不属于本区局的小包区：%(codes)s。")
                    % {"codes": ", ".join(outside)},
                )
        fault = services.fault_declare(
            package_areas=data["package_areas"],
            product=data["product"] or "",
            cause=data["cause"],
            started_at=data["started_at"],
            eta=data["eta"],
            by=request.user,
        )
        if data["force_majeure_evidence"]:
            NetworkFault.objects.filter(pk=fault.pk).update(
                force_majeure_evidence=data["force_majeure_evidence"]
            )
        return self._respond(fault, status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: s.FaultEventSerializer(many=True)}, summary="Fault timeline"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        fault = self.get_object()
        return Response(
            s.FaultEventSerializer(fault.events.order_by("at", "id"), many=True).data
        )

    @fault_action("confirm", s.ConfirmInSerializer, summary="Confirm a suspected fault")
    def confirm(self, request, pk=None):
        data = self._input(s.ConfirmInSerializer)
        fault = services.fault_confirm(
            self.get_object(), by=request.user, eta=data["eta"], cause=data["cause"]
        )
        return self._respond(fault)

    @fault_action("dismiss", s.DismissInSerializer, summary="Dismiss a suspected fault")
    def dismiss(self, request, pk=None):
        data = self._input(s.DismissInSerializer)
        fault = services.fault_dismiss(
            self.get_object(), reason=data["reason"], by=request.user
        )
        return self._respond(fault)

    @fault_action("eta", s.EtaInSerializer, summary="Change the ETA (announced once)")
    def eta(self, request, pk=None):
        data = self._input(s.EtaInSerializer)
        fault = services.fault_eta_set(
            self.get_object(), eta=data["eta"], by=request.user
        )
        return self._respond(fault)

    @fault_action(
        "link",
        s.LinkInSerializer,
        summary="Link earlier open repairs of the scope",
        response=WorkOrderSerializer(many=True),
    )
    def link(self, request, pk=None):
        data = self._input(s.LinkInSerializer)
        fault = self.get_object()
        ids = set(data["work_orders"])
        orders = list(orders_visible_to(request.user).filter(pk__in=ids).order_by("pk"))
        missing = sorted(ids - {o.pk for o in orders})
        if missing:
            raise InvalidInput(
                "work_orders",
                gettext("找不到工单：%(ids)s。")
                % {"ids": ", ".join(map(str, missing))},
            )
        linked = services.fault_link(fault, orders=orders, by=request.user)
        return Response(WorkOrderSerializer(linked, many=True).data)

    @fault_action(
        "restore",
        s.RestoreInSerializer,
        summary="Restore: close every linked repair (idempotent)",
    )
    def restore(self, request, pk=None):
        data = self._input(s.RestoreInSerializer)
        fault = services.fault_restore(
            self.get_object(), restored_at=data["restored_at"], by=request.user
        )
        return self._respond(fault)

    @fault_action(
        "close",
        s.EmptyInSerializer,
        summary="Close a restored fault (idempotent)",
    )
    def close(self, request, pk=None):
        self._input(s.EmptyInSerializer)
        fault = services.fault_close(self.get_object(), by=request.user)
        return self._respond(fault)


def orders_outside_district(codes: list[str], district_id: int) -> list[str]:
    from org.models import PackageArea

    inside = set(
        PackageArea.objects.filter(
            code__in=codes, group__area__district_id=district_id
        ).values_list("code", flat=True)
    )
    return sorted(set(codes) - inside)


class OrderReopenView(APIView):
    """A repair closed by its fault's restoration whose problem remains.

    Served here, not by the work orders: the reopen moves the vendor's month
    (定责 marks, compensation), which the work orders cannot reach.
    """

    permission_classes = [role_permission(*COMPLETERS)]

    @extend_schema(
        request=ReopenInSerializer,
        responses={200: WorkOrderSerializer},
        summary="A repair closed by a fault's restoration whose problem remains",
    )
    def post(self, request, pk):
        ser = ReopenInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        order = get_object_or_404(orders_visible_to(request.user), pk=pk)
        order = services.order_reopen(
            order, note=ser.validated_data["note"], by=request.user
        )
        return Response(WorkOrderSerializer(order).data)
