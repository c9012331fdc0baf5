import django_filters
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from dispatch_center.filters import IdFilter

from ..models import Claim, ClaimStatus
from ..selectors import month_bounds


@extend_schema_field(
    {"type": "string", "pattern": r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"}
)
class MonthFilter(django_filters.CharFilter):
    """``YYYY-MM``: the schema states the shape, so clients cannot miss it."""


class ClaimFilter(django_filters.FilterSet):
    work_order = IdFilter(field_name="work_order_id")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    month = MonthFilter(
        method="filter_month",
        help_text="YYYY-MM: claims of orders completed that month",
    )
    vendor = django_filters.CharFilter(field_name="vendor__code")
    district = django_filters.CharFilter(field_name="district__code")

    class Meta:
        model = Claim
        fields = []

    def filter_month(self, queryset, name, value):
        try:
            start, end = month_bounds(value)
        except ValueError:
            raise ValidationError(
                {"month": [gettext("月份格式须为 YYYY-MM，如 2026-11。")]}
            ) from None
        return queryset.filter(completed_at__gte=start, completed_at__lt=end)
