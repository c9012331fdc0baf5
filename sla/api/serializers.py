from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch_center.fields import BusinessDateTimeField
from dispatch_center.serializers import ModelSerializer
from workorders.models import DelayCause

from ..models import Approval


class UrgeInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )


class SuspendInSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(DelayCause.choices)
    evidence = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=255,
        help_text="e.g. a call-recording reference (录音编号)",
    )
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000
    )


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConfirmedField(serializers.BooleanField):
    """The schema says what the rule says: only ``true`` is accepted."""


class RescheduleInSerializer(SuspendInSerializer):
    appointment_start = BusinessDateTimeField()
    appointment_end = BusinessDateTimeField()
    customer_confirmed = ConfirmedField(
        required=False,
        default=False,
        help_text="must be true: a reschedule needs the customer's confirmation",
    )


class DecisionInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=2000,
        help_text="审核意见; required to reject",
    )


class ApprovalSerializer(ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    age_seconds = serializers.SerializerMethodField(
        help_text="how long the request waited: until now while pending, "
        "until the decision once decided"
    )

    class Meta:
        model = Approval
        fields = [
            "id",
            "order",
            "order_number",
            "order_status",
            "kind",
            "kind_display",
            "status",
            "reason",
            "evidence",
            "note",
            "appointment_start",
            "appointment_end",
            "customer_confirmed",
            "requested_by",
            "requested_at",
            "age_seconds",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    @extend_schema_field(int)
    def get_age_seconds(self, approval) -> int:
        end = approval.decided_at or self.context["now"]
        return max(0, int((end - approval.requested_at).total_seconds()))
