from rest_framework import serializers

from dispatch_center.serializers import ModelSerializer
from workorders.api.serializers import BlankAsNullChoiceField

from ..models import Claim, ClaimKind, ClaimStatus, Exemption, LiableParty


class ClaimSerializer(ModelSerializer):
    work_order = serializers.PrimaryKeyRelatedField(read_only=True)
    work_order_number = serializers.CharField(
        source="work_order.number", read_only=True
    )
    kind = serializers.ChoiceField(ClaimKind.choices, read_only=True)
    status = serializers.ChoiceField(ClaimStatus.choices, read_only=True)
    exemption = BlankAsNullChoiceField(Exemption.choices)
    liable_party = serializers.ChoiceField(LiableParty.choices, read_only=True)
    vendor = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "work_order",
            "work_order_number",
            "kind",
            "deadline",
            "completed_at",
            "days_late",
            "amount",
            "status",
            "exemption",
            "evidence",
            "exemption_revoked_at",
            "excused_seconds",
            "delay_cause",
            "pay_by",
            "paid_at",
            "payment_ref",
            "liable_party",
            "vendor",
            "district",
            "phone",
            "reviewed_at",
            "review_note",
            "created_at",
        ]
        read_only_fields = fields


class NoteInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=255
    )


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class BulkApproveInSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=1000,
    )


class LiabilitySerializer(serializers.Serializer):
    vendor = serializers.CharField(source="vendor.code")
    name = serializers.CharField(source="vendor.name")
    month = serializers.CharField()
    same_day_orders = serializers.IntegerField(source="figures.same_day_orders")
    installer_late = serializers.IntegerField(source="figures.installer_late")
    share = serializers.DecimalField(
        max_digits=6, decimal_places=4, source="liability.share", allow_null=True
    )
    installer_compensation = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="figures.installer_compensation"
    )
    vendor_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="liability.vendor_amount"
    )
    branch_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="liability.branch_amount"
    )


class TotalSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class PaidListSerializer(serializers.Serializer):
    month = serializers.CharField()
    total_count = serializers.IntegerField()
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    by_district = TotalSerializer(many=True)
    by_vendor = TotalSerializer(many=True)
    claims = ClaimSerializer(many=True)
