import django_filters
from django.db.models import Q
from django.utils import timezone

from dispatch_center.filters import UtcDateTimeFilter
from org.models import Product

from .. import rules
from ..models import DispatchFlag, Kind, Status, WorkOrder


class WorkOrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    product = django_filters.ChoiceFilter(choices=Product.choices)
    technician = django_filters.CharFilter(field_name="technician__code")
    package_area = django_filters.CharFilter(field_name="package_area__code")
    group = django_filters.CharFilter(field_name="group__code")
    district = django_filters.CharFilter(field_name="district__code")
    crm_order_id = django_filters.CharFilter()
    phone = django_filters.CharFilter(field_name="customer__phone")
    accepted_after = UtcDateTimeFilter(field_name="accepted_at", lookup_expr="gte")
    accepted_before = UtcDateTimeFilter(field_name="accepted_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")
    updated_after = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text=(
            "Change feed: orders changed after this instant, by last change, "
            "continued with `cursor` (docs/api.md, Sync)."
        ),
    )
    dispatch_flag = django_filters.ChoiceFilter(
        choices=DispatchFlag.choices, help_text="no_candidate = 无人可派"
    )

    class Meta:
        model = WorkOrder
        fields = []

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        late = Q(status__in=rules.OPEN_STATES, deadline__lt=now)
        return queryset.filter(late) if value else queryset.exclude(late)
