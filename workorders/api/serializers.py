from django.core.validators import RegexValidator
from rest_framework import serializers

from dispatch_center.fields import BusinessDateTimeField
from dispatch_center.serializers import InputSerializer, ModelSerializer, Serializer
from org.models import Product

from ..models import (
    Customer,
    CustomerLevel,
    DelayCause,
    DispatchFlag,
    Kind,
    Resolution,
    Segment,
    Source,
    WorkOrder,
    WorkOrderEvent,
    customer_url,
)
from ..services import CustomerIn, OrderIn

phone_validator = RegexValidator(
    r"^\+?[0-9-]{5,20}$", "电话号码格式不正确 (digits, 5-20)"
)


class CustomerInSerializer(Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, validators=[phone_validator])
    account = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    level = serializers.ChoiceField(
        CustomerLevel.choices, default=CustomerLevel.ORDINARY
    )
    segment = serializers.ChoiceField(Segment.choices, default=Segment.PUBLIC)


class WorkOrderCreateSerializer(InputSerializer):
    crm_order_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    source = serializers.ChoiceField(Source.choices)
    kind = serializers.ChoiceField(Kind.choices)
    product = serializers.ChoiceField(Product.choices)
    customer = CustomerInSerializer()
    address = serializers.CharField(max_length=255)
    package_area = serializers.CharField(max_length=32)
    lat = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90
    )
    lng = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180
    )
    same_day_requested = serializers.BooleanField(required=False, default=True)
    accepted_at = BusinessDateTimeField(required=False, allow_null=True, default=None)
    appointment_start = BusinessDateTimeField(
        required=False, allow_null=True, default=None
    )
    appointment_end = BusinessDateTimeField(
        required=False, allow_null=True, default=None
    )
    description = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000
    )

    def to_order_in(self) -> OrderIn:
        data = dict(self.validated_data)
        data["customer"] = CustomerIn(**data["customer"])
        return OrderIn(**data)


class CustomerSerializer(ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "account", "level", "segment"]


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored as '' while unset, shown as null in the API."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class WorkOrderSerializer(ModelSerializer):
    resolution = BlankAsNullChoiceField(Resolution.choices)
    delay_cause = BlankAsNullChoiceField(DelayCause.choices)
    dispatch_flag = BlankAsNullChoiceField(
        DispatchFlag.choices,
        help_text="no_candidate (无人可派) or redispatch_requested",
    )
    customer = CustomerSerializer(read_only=True)
    package_area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    technician = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    network_fault = serializers.IntegerField(
        source="network_fault_id",
        read_only=True,
        allow_null=True,
        help_text="The network fault (大面积故障) this repair is linked to, or null.",
    )
    customer_url = serializers.SerializerMethodField(
        help_text="the absolute link of the customer's own page, carried by every "
        "customer SMS (SPEC §14)"
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "crm_order_id",
            "source",
            "kind",
            "product",
            "status",
            "status_display",
            "customer",
            "address",
            "package_area",
            "group",
            "district",
            "lat",
            "lng",
            "description",
            "accepted_at",
            "same_day_requested",
            "is_same_day",
            "deadline",
            "deadline_basis",
            "dispatched_at",
            "first_response_due",
            "first_contact_at",
            "technician",
            "appointment_start",
            "appointment_end",
            "arrived_at",
            "urge_count",
            "escalation_level",
            "is_repeat_fault",
            "first_response_missed",
            "sla_deadline",
            "suspended_at",
            "paused_seconds",
            "completed_at",
            "resolution",
            "delay_cause",
            "cancelled_at",
            "cancel_reason",
            "dispatch_flag",
            "dispatch_flag_reason",
            "network_fault",
            "fault_hold",
            "fault_intercepted",
            "substitute",
            "customer_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_customer_url(self, order) -> str | None:
        return customer_url(order)


class EventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = WorkOrderEvent
        fields = [
            "id",
            "at",
            "kind",
            "kind_display",
            "actor",
            "from_status",
            "to_status",
            "reason",
            "data",
        ]
        read_only_fields = fields


class EmptySerializer(serializers.Serializer):
    pass


class ContactInSerializer(serializers.Serializer):
    appointment_start = BusinessDateTimeField()
    appointment_end = BusinessDateTimeField()


class CompleteInSerializer(serializers.Serializer):
    # "network_fault" is set only by a fault's restoration, never by hand
    resolution = serializers.ChoiceField(
        [
            (Resolution.ONSITE.value, Resolution.ONSITE.label),
            (Resolution.REMOTE.value, Resolution.REMOTE.label),
        ]
    )
    delay_cause = serializers.ChoiceField(
        DelayCause.choices, required=False, allow_null=True, default=None
    )
    evidence = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=255
    )
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000
    )


class CancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ReopenInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )


class SubstituteInSerializer(serializers.Serializer):
    substitute = serializers.CharField(max_length=255)
