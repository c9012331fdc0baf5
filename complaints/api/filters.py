import django_filters
from django.core.validators import RegexValidator
from django.utils import timezone

from dispatch_center.filters import IdFilter, UtcDateTimeFilter

from ..models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    PenaltyStatus,
    PenaltyTicket,
)
from .serializers import MONTH_REGEX


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ComplaintStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = django_filters.ChoiceFilter(choices=ComplaintCategory.choices)
    sub_category = django_filters.CharFilter(field_name="sub_category__code")
    district = django_filters.CharFilter(field_name="district__code")
    phone = django_filters.CharFilter()
    number = django_filters.CharFilter()
    work_order = IdFilter(field_name="work_order_id")
    is_repeat = django_filters.BooleanFilter()
    escalated = django_filters.BooleanFilter()
    received_after = UtcDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcDateTimeFilter(field_name="received_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="current step past its due time"
    )

    class Meta:
        model = Complaint
        fields = []

    def filter_overdue(self, queryset, name, value):
        late = {"current_step_due__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class PenaltyFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(
        validators=[RegexValidator(MONTH_REGEX, "month must be YYYY-MM")],
        help_text="YYYY-MM",
    )
    status = django_filters.ChoiceFilter(choices=PenaltyStatus.choices)
    technician = django_filters.CharFilter(field_name="technician__code")
    complaint = IdFilter(field_name="complaint_id")

    class Meta:
        model = PenaltyTicket
        fields = []
