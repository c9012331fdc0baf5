from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dispatch_center.converters import ID_REGEX
from dispatch_center.permissions import HasAnyRole, role_permission
from dispatch_center.roles import Role
from dispatch_center.serializers import represent

from .. import fault_holds, services
from ..models import WorkOrder
from ..selectors import order_timeline, orders_visible_to
from . import serializers as s
from .filters import WorkOrderFilter
from .pagination import CURSOR_PATTERN, WorkOrderPagination

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Replays with the same key and content return the first order (200).",
)

CREATORS = (Role.CRM, Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR)
WORKERS = (Role.TECHNICIAN, Role.DISPATCHER, Role.SUPERVISOR)
COMPLETERS = (Role.TECHNICIAN, Role.DISPATCHER, Role.SUPERVISOR, Role.HOTLINE_AGENT)
CANCELLERS = (Role.CRM, Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR)

ACTION_ROLES = {
    "create": CREATORS,
    "accept": WORKERS,
    "contact": WORKERS,
    "arrive": WORKERS,
    "cancel": CANCELLERS,
    "substitute": (
        Role.HOTLINE_AGENT,
        Role.DISPATCHER,
        Role.SUPERVISOR,
        Role.TECHNICIAN,
    ),
}


def order_action(name, request_serializer, *, url_path=None, summary=""):
    """Declare a POST action on an order, documented for the schema."""
    return lambda fn: extend_schema(
        request=request_serializer,
        responses={200: s.WorkOrderSerializer},
        summary=summary,
    )(action(detail=True, methods=["post"], url_path=url_path or name)(fn))


CURSOR_PARAMETER = OpenApiParameter(
    "cursor",
    {"type": "string", "pattern": CURSOR_PATTERN},
    OpenApiParameter.QUERY,
    required=False,
    description=(
        "Change feed: continue after the page that returned this `cursor` "
        "(orders by last change; no gap, no repeat under concurrent writes)."
    ),
)


@extend_schema_view(
    list=extend_schema(
        parameters=[CURSOR_PARAMETER],
        summary="List orders; with updated_after/cursor, the change feed",
    )
)
class WorkOrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Orders: list, read and the steps of the order's own app.

    Creating an order and first contact book appointments into slots (SPEC
    §14), a flow ``dispatch`` owns: ``dispatch.api.slot_views`` extends this
    viewset with ``create`` and ``contact`` and registers the resource.
    """

    lookup_value_regex = ID_REGEX
    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilter
    pagination_class = WorkOrderPagination
    queryset = WorkOrder.objects.none()

    def get_queryset(self):
        return orders_visible_to(self.request.user).order_by("-accepted_at", "-id")

    def filter_queryset(self, queryset):
        # List filters narrow the list; an order's own page or action is
        # found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_permissions(self):
        roles = ACTION_ROLES.get(self.action)
        return [role_permission(*roles)() if roles else HasAnyRole()]

    def _respond(self, order, code=status.HTTP_200_OK):
        # the serializer's output, from one bound instance per process
        return Response(represent(s.WorkOrderSerializer, order), status=code)

    def _input(self, serializer_class):
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    @extend_schema(
        responses={200: s.EventSerializer(many=True)}, summary="Order timeline"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        order = self.get_object()
        return Response(s.EventSerializer(order_timeline(order), many=True).data)

    @order_action("accept", s.EmptySerializer, summary="Technician accepts")
    def accept(self, request, pk=None):
        order = self.get_object()
        return self._respond(services.work_order_accept(order, by=request.user))

    @order_action("arrive", s.EmptySerializer, summary="Technician on site")
    def arrive(self, request, pk=None):
        order = self.get_object()
        return self._respond(services.work_order_arrive(order, by=request.user))

    @order_action("cancel", s.CancelInSerializer, summary="Cancel (撤单)")
    def cancel(self, request, pk=None):
        data = self._input(s.CancelInSerializer)
        order = self.get_object()
        return self._respond(
            services.work_order_cancel(order, by=request.user, reason=data["reason"])
        )

    @order_action(
        "substitute",
        s.SubstituteInSerializer,
        summary="Record a substitute offered to the customer (替代措施)",
    )
    def substitute(self, request, pk=None):
        data = self._input(s.SubstituteInSerializer)
        order = self.get_object()
        return self._respond(
            fault_holds.order_substitute_set(
                order,
                substitute=data["substitute"].strip(),
                by=request.user,
                now=timezone.now(),
            )
        )
