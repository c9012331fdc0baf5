from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch_center.serializers import ModelSerializer
from org.models import Product, Technician
from workorders.models import Kind

from ..models import (
    Adjustment,
    AdjustmentKind,
    PayrollItem,
    PayrollLine,
    PayrollRun,
    RunStatus,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
HOURS = {"max_digits": 10, "decimal_places": 2}


@extend_schema_field(
    {
        "type": "string",
        "enum": RunStatus.values,
        "description": "draft → reviewed → locked",
    }
)
class RunStatusField(serializers.ChoiceField):
    """Inline in the schema: "status" is a name many enums of the API share."""

    def __init__(self, **kwargs):
        super().__init__(RunStatus.choices, read_only=True, **kwargs)


class RunCreateSerializer(serializers.Serializer):
    month = serializers.CharField(
        max_length=7, help_text="YYYY-MM, this month or an earlier one"
    )


class UserField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, **kwargs)


class RunSerializer(ModelSerializer):
    status = RunStatusField()
    created_by = UserField(allow_null=True)
    reviewed_by = UserField(allow_null=True)
    locked_by = UserField(allow_null=True)

    class Meta:
        model = PayrollRun
        fields = [
            "id",
            "month",
            "version",
            "status",
            "created_at",
            "created_by",
            "reviewed_at",
            "reviewed_by",
            "locked_at",
            "locked_by",
            "technicians",
            "orders",
            "post_wage",
            "piece_wage",
            "rewards",
            "penalties",
            "total",
        ]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    rates = serializers.JSONField(
        read_only=True,
        help_text="The rate tables this version was computed with (snapshot)",
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "rates"]
        read_only_fields = fields


class LineSerializer(ModelSerializer):
    """API.md's line (technician … total) and what made it."""

    technician = serializers.SlugRelatedField(slug_field="code", read_only=True)
    technician_name = serializers.CharField(source="technician.name", read_only=True)
    vendor = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    district = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    satisfaction_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        source="quality.satisfaction_rate",
    )
    repeat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        source="quality.repeat_rate",
    )

    class Meta:
        model = PayrollLine
        fields = [
            "id",
            "technician",
            "technician_name",
            "vendor",
            "district",
            "cert_level",
            "post_wage",
            "base_hours",
            "worked_hours",
            "paid_hours",
            "orders",
            "paid_orders",
            "piece_wage",
            "rewards",
            "penalties",
            "total",
            "grade",
            "grade_coefficient",
            "callbacks",
            "satisfied",
            "satisfaction_rate",
            "repairs",
            "repeat_faults",
            "repeat_rate",
            "complaints",
        ]
        read_only_fields = fields


class MyLineSerializer(LineSerializer):
    run = serializers.IntegerField(source="run_id", read_only=True)
    month = serializers.CharField(source="run.month", read_only=True)
    version = serializers.IntegerField(source="run.version", read_only=True)
    run_status = RunStatusField(source="run.status")

    class Meta(LineSerializer.Meta):
        fields = ["run", "month", "version", "run_status", *LineSerializer.Meta.fields]
        read_only_fields = fields


class ItemSerializer(ModelSerializer):
    """One counted order of a line, with its coefficients."""

    work_order = serializers.IntegerField(source="work_order_id", read_only=True)
    kind = serializers.ChoiceField(Kind.choices, read_only=True)
    product = serializers.ChoiceField(Product.choices, read_only=True)

    class Meta:
        model = PayrollItem
        fields = [
            "seq",
            "work_order",
            "number",
            "kind",
            "product",
            "completed_at",
            "hours",
            "hours_before",
            "paid_hours",
            "unit_price",
            "difficulty",
            "same_day",
            "same_day_coefficient",
            "after_hours",
            "after_hours_coefficient",
            "grade_coefficient",
            "amount",
        ]
        read_only_fields = fields


class VendorSettlementSerializer(serializers.Serializer):
    vendor = serializers.CharField(source="vendor__code")
    name = serializers.CharField(source="vendor__name")
    technicians = serializers.IntegerField()
    orders = serializers.IntegerField()
    paid_orders = serializers.IntegerField()
    worked_hours = serializers.DecimalField(**HOURS)
    paid_hours = serializers.DecimalField(**HOURS)
    post_wage = serializers.DecimalField(**MONEY)
    piece_wage = serializers.DecimalField(**MONEY)
    rewards = serializers.DecimalField(**MONEY)
    penalties = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)


class VendorsSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    month = serializers.CharField()
    version = serializers.IntegerField()
    vendors = VendorSettlementSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    run = serializers.CharField(allow_null=True, help_text="value in this run")
    against = serializers.CharField(allow_null=True, help_text="value in the other run")
    delta = serializers.CharField(
        allow_null=True, help_text="run − against (numbers only)"
    )


class DiffLineSerializer(serializers.Serializer):
    technician = serializers.CharField()
    technician_name = serializers.CharField()
    change = serializers.ChoiceField(["added", "removed", "changed"])
    changes = ChangeSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    against = serializers.IntegerField()
    month = serializers.CharField()
    version = serializers.IntegerField()
    against_version = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="technicians whose line differs")
    total = serializers.DecimalField(**MONEY)
    against_total = serializers.DecimalField(**MONEY)
    total_delta = serializers.DecimalField(**MONEY)
    lines = DiffLineSerializer(many=True)


class AdjustmentSerializer(ModelSerializer):
    technician = serializers.SlugRelatedField(
        slug_field="code", queryset=Technician.objects.all()
    )
    kind = serializers.ChoiceField(AdjustmentKind.choices)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    month = serializers.CharField(max_length=7, help_text="YYYY-MM")
    reason = serializers.CharField(max_length=255)
    created_by = UserField(allow_null=True)

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "technician",
            "month",
            "kind",
            "amount",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]
