import django_filters
from django.core.validators import RegexValidator

from ..models import Adjustment, AdjustmentKind, PayrollLine, PayrollRun, RunStatus

MONTH = RegexValidator(r"^[0-9]{4}-(0[1-9]|1[0-2])$", "month must be YYYY-MM")


def month_filter(field_name: str = "month") -> django_filters.CharFilter:
    return django_filters.CharFilter(
        field_name=field_name, validators=[MONTH], help_text="YYYY-MM"
    )


class RunFilter(django_filters.FilterSet):
    month = month_filter()
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = PayrollRun
        fields = []


class MyLineFilter(django_filters.FilterSet):
    month = month_filter("run__month")

    class Meta:
        model = PayrollLine
        fields = []


class AdjustmentFilter(django_filters.FilterSet):
    month = month_filter()
    technician = django_filters.CharFilter(field_name="technician__code")
    kind = django_filters.ChoiceFilter(choices=AdjustmentKind.choices)

    class Meta:
        model = Adjustment
        fields = []
