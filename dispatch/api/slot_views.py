"""Appointment slots for the CRM (SPEC §14) and the booking entry points.

``WorkOrderBookingViewSet`` is the ``work-orders`` resource: ``workorders.api``'s
viewset extended with create and contact, whose appointments made ahead go
through ``dispatch.slot_services`` (slot with room or 409/400).
"""

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.errors import InvalidInput
from dispatch_center.permissions import HasAnyRole
from org.models import PackageArea, Product
from org.selectors import user_district_id
from workorders.api import serializers as wo_s
from workorders.api.views import IDEMPOTENCY_HEADER, WorkOrderViewSet, order_action
from workorders.models import Kind

from .. import slot_selectors, slot_services
from ..slot_rules import LOCAL_TZ


class SlotQuerySerializer(serializers.Serializer):
    package_area = serializers.CharField(max_length=32)
    product = serializers.ChoiceField(Product.choices)
    kind = serializers.ChoiceField(Kind.choices)
    date = serializers.DateField()


class SlotSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    available = serializers.IntegerField()

    def get_start(self, obj) -> str:
        return obj.slot.start.astimezone(LOCAL_TZ).isoformat()

    def get_end(self, obj) -> str:
        return obj.slot.end.astimezone(LOCAL_TZ).isoformat()


class SlotsView(APIView):
    permission_classes = [HasAnyRole]

    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses={200: SlotSerializer(many=True)},
        summary="A day's appointment slots of a package area's region group",
    )
    def get(self, request):
        q = SlotQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        data = q.validated_data
        areas = PackageArea.objects.all()
        district_id = user_district_id(request.user)
        if district_id is not None:
            areas = areas.filter(group__area__district_id=district_id)
        area = areas.filter(code=data["package_area"]).only("id", "group_id").first()
        if area is None:  # a foreign package area is as unknown as a missing one
            raise InvalidInput("package_area", gettext("未知的包区编码。"))
        figures = slot_selectors.day_slots(
            group_id=area.group_id,
            kind=data["kind"],
            product=data["product"],
            day=data["date"],
            now=timezone.now(),
        )
        return Response(SlotSerializer(figures, many=True).data)


class WorkOrderBookingViewSet(WorkOrderViewSet):
    """The ``work-orders`` resource: ``workorders.api``'s list, read and steps,
    plus the two entry points that book appointments (SPEC §14).

    Creating an order with an appointment and a first contact that books a
    later day go through ``dispatch.slot_services`` (a slot with room, else
    409 ``slot_full`` / 400 naming the field); this viewset is the only one
    registered for the resource, so there is no other route to them.
    """

    #: the work-orders resource in the schema and generated clients
    schema_tag = "work orders"

    @extend_schema(
        request=wo_s.WorkOrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: wo_s.WorkOrderSerializer, 200: wo_s.WorkOrderSerializer},
        summary="Create an order (CRM install/move, hotline repair); idempotent",
    )
    def create(self, request):
        ser = wo_s.WorkOrderCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 128:
            raise InvalidInput("Idempotency-Key", gettext("请求键最多 128 个字符。"))
        order, created = slot_services.order_intake(
            data=ser.to_order_in(), by=request.user, idempotency_key=key
        )
        return self._respond(
            order, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @order_action(
        "contact", wo_s.ContactInSerializer, summary="First contact and appointment"
    )
    def contact(self, request, pk=None):
        data = self._input(wo_s.ContactInSerializer)
        order = self.get_object()
        return self._respond(
            slot_services.order_contact(order, by=request.user, **data)
        )
