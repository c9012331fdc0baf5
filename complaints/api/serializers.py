from decimal import Decimal

from django.utils.translation import gettext
from rest_framework import serializers

from dispatch_center.fields import BusinessDateTimeField
from dispatch_center.serializers import ModelSerializer
from workorders.api.serializers import BlankAsNullChoiceField, phone_validator
from workorders.models import Kind

from ..models import (
    Callback,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintStep,
    ComplaintSubCategory,
    Outcome,
    PenaltyStatus,
    PenaltyTicket,
    Step,
)
from ..services import CallbackIn, ComplaintIn, PenaltyIn

NOTE = {"required": False, "default": "", "allow_blank": True, "max_length": 2000}
MONTH_REGEX = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_ID = 2**63 - 1  # a larger number is no id (and overflows SQLite)

# --- input --------------------------------------------------------------------------


class ComplaintCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(Channel.choices)
    phone = serializers.CharField(max_length=20, validators=[phone_validator])
    customer_name = serializers.CharField(max_length=100)
    work_order = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_ID,
        help_text="work order id",
    )
    category = serializers.ChoiceField(ComplaintCategory.choices)
    sub_category = serializers.CharField(
        max_length=32, help_text="sub-item code (GET /complaints/categories/)"
    )
    description = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=4000
    )
    received_at = BusinessDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="when the call ended (用户挂机); omitted means now",
    )

    def to_complaint_in(self) -> ComplaintIn:
        return ComplaintIn(**self.validated_data)


class ComplaintNoteInSerializer(serializers.Serializer):
    note = serializers.CharField(**NOTE)


class DispatchToCityInSerializer(ComplaintNoteInSerializer):
    district = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=32,
        help_text="district code; default: the linked work order's district",
    )


class AssignDepartmentInSerializer(ComplaintNoteInSerializer):
    department = serializers.CharField(max_length=100)


class AnswerInSerializer(ComplaintNoteInSerializer):
    answer = serializers.CharField(
        max_length=4000, help_text="what the customer was told"
    )


class ReturnTicketInSerializer(ComplaintNoteInSerializer):
    wrong_dispatch = serializers.BooleanField(
        required=False,
        default=False,
        help_text="派单错误: send the ticket back to the previous step",
    )


class CallbackCustomerInSerializer(ComplaintNoteInSerializer):
    satisfied = serializers.BooleanField()


class PenaltyInSerializer(serializers.Serializer):
    technician = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=32
    )
    user = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=150
    )
    department = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100
    )
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99999999.99"),
    )
    reason = serializers.CharField(max_length=2000)
    month = serializers.RegexField(
        MONTH_REGEX,
        required=False,
        default="",
        allow_blank=True,
        help_text="YYYY-MM counted in payroll; default: this month",
    )
    publish = serializers.BooleanField(
        required=False, default=False, help_text="publish (公布) at once"
    )

    def validate(self, attrs):
        if attrs["technician"] and attrs["user"]:
            raise serializers.ValidationError(
                gettext("处罚对象只能是一名工程师或一名人员。")
            )
        if not (attrs["technician"] or attrs["user"] or attrs["department"].strip()):
            raise serializers.ValidationError(
                gettext("请指定处罚对象：一名工程师、一名人员或一个部门。")
            )
        return attrs


class DetermineInSerializer(ComplaintNoteInSerializer):
    outcome = serializers.ChoiceField(Outcome.choices)
    penalty = PenaltyInSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="required for a human cause (处罚单), refused otherwise",
    )

    def penalty_in(self) -> PenaltyIn | None:
        data = self.validated_data["penalty"]
        return PenaltyIn(**data) if data else None


class CloseInSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000, help_text="直接答复用户")
    outcome = serializers.ChoiceField(
        Outcome.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="default: invalid at the front desk, no_fault at the review; "
        "human needs the determination (penalty ticket)",
    )


class CallbackInSerializer(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1, max_value=5, help_text="联系及时性")
    punctuality = serializers.IntegerField(
        min_value=1, max_value=5, help_text="履约及时性"
    )
    skill = serializers.IntegerField(min_value=1, max_value=5, help_text="上门技术水平")
    attitude = serializers.IntegerField(
        min_value=1, max_value=5, help_text="上门服务态度"
    )
    satisfied = serializers.BooleanField()
    note = serializers.CharField(**NOTE)

    def to_callback_in(self) -> CallbackIn:
        return CallbackIn(**self.validated_data)


# --- output -------------------------------------------------------------------------


class StepSerializer(ModelSerializer):
    step = serializers.ChoiceField(Step.choices, read_only=True)
    step_display = serializers.CharField(source="get_step_display", read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    done_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    late = serializers.BooleanField(read_only=True, help_text="done after its due time")

    class Meta:
        model = ComplaintStep
        fields = [
            "step",
            "step_display",
            "owner_role",
            "owner",
            "owner_name",
            "started_at",
            "due_at",
            "done_at",
            "done_by",
            "action",
            "note",
            "alert_level",
            "late",
        ]
        read_only_fields = fields


class PenaltySerializer(ModelSerializer):
    complaint_number = serializers.CharField(source="complaint.number", read_only=True)
    technician = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(PenaltyStatus.choices, read_only=True)

    class Meta:
        model = PenaltyTicket
        fields = [
            "id",
            "complaint",
            "complaint_number",
            "technician",
            "user",
            "department",
            "amount",
            "reason",
            "month",
            "status",
            "report_due",
            "reported_at",
            "reported_late",
            "created_at",
        ]
        read_only_fields = fields


class ComplaintSerializer(ModelSerializer):
    channel = serializers.ChoiceField(Channel.choices, read_only=True)
    category = serializers.ChoiceField(ComplaintCategory.choices, read_only=True)
    sub_category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sub_category_name = serializers.CharField(
        source="sub_category.name", read_only=True
    )
    status = serializers.ChoiceField(ComplaintStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    work_order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    work_order_number = serializers.CharField(
        source="work_order.number", read_only=True, allow_null=True
    )
    customer = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    district = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    outcome = BlankAsNullChoiceField(Outcome.choices)
    commitment_met = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="answered within the 24 h commitment"
    )
    steps = StepSerializer(many=True, read_only=True)
    penalties = PenaltySerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "channel",
            "phone",
            "customer_name",
            "customer",
            "work_order",
            "work_order_number",
            "category",
            "sub_category",
            "sub_category_name",
            "description",
            "status",
            "status_display",
            "current_step_due",
            "received_at",
            "submitted_at",
            "city_received_at",
            "answered_at",
            "returned_at",
            "closed_at",
            "commitment_due",
            "commitment_met",
            "is_repeat",
            "escalated",
            "escalation_level",
            "supervision_count",
            "district",
            "department",
            "answer",
            "callback_satisfied",
            "callback_note",
            "outcome",
            "outcome_note",
            "determined_at",
            "created_at",
            "updated_at",
            "steps",
            "penalties",
        ]
        read_only_fields = fields


class ComplaintEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    actor = serializers.CharField(source="actor_name")
    from_step = serializers.CharField()
    to_step = serializers.CharField()
    reason = serializers.CharField()
    data = serializers.JSONField()


class SubCategorySerializer(ModelSerializer):
    class Meta:
        model = ComplaintSubCategory
        fields = ["code", "name"]
        read_only_fields = fields


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sub_categories = SubCategorySerializer(many=True)


class CountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class SubCountSerializer(CountSerializer):
    category = serializers.ChoiceField(ComplaintCategory.choices)


class WeekStatsSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="the Monday")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_category = CountSerializer(many=True)
    by_sub_category = SubCountSerializer(many=True)
    by_channel = CountSerializer(many=True)
    repeat = serializers.IntegerField()
    escalated = serializers.IntegerField()
    work_order_linked = serializers.IntegerField(
        help_text="install/repair-related: linked to a work order"
    )
    work_order_share = serializers.FloatField(allow_null=True)


class AnalysisSerializer(WeekStatsSerializer):
    previous = WeekStatsSerializer(help_text="the week before, for comparison")


class CallbackSerializer(ModelSerializer):
    work_order_number = serializers.CharField(
        source="work_order.number", read_only=True
    )
    by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Callback
        fields = [
            "id",
            "work_order",
            "work_order_number",
            "contact",
            "punctuality",
            "skill",
            "attitude",
            "satisfied",
            "note",
            "by",
            "at",
            "escalation_level",
        ]
        read_only_fields = fields


class CallbackDueSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="work order id")
    number = serializers.CharField()
    kind = serializers.ChoiceField(Kind.choices)
    product = serializers.CharField()
    customer_name = serializers.CharField(source="customer.name")
    phone = serializers.CharField(source="customer.phone")
    technician = serializers.CharField(source="technician.code", allow_null=True)
    completed_at = serializers.DateTimeField()
    callback_due = serializers.DateTimeField(help_text="call back by then")
    escalation_level = serializers.IntegerField()
