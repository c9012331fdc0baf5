"""Input of the quality report endpoint and the documented shape of its answer."""

import re

from django.utils.text import format_lazy
from django.utils.translation import gettext
from rest_framework import serializers

from .. import rules

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class StrictDateField(serializers.DateField):
    """``YYYY-MM-DD`` only (Python would also take ``20261116`` and weeks)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class QualityQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=rules.PERIODS, required=False, default=rules.MONTH
    )
    date = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="any day of the period (YYYY-MM-DD, Asia/Shanghai); default today",
    )
    by = serializers.ChoiceField(
        choices=rules.GROUPINGS, required=False, default=rules.DISTRICT
    )
    format = serializers.ChoiceField(
        choices=["json", "xlsx"], required=False, default="json"
    )
    page = serializers.IntegerField(
        required=False, default=1, min_value=1, help_text="page of rows (JSON)"
    )
    page_size = serializers.IntegerField(
        required=False,
        default=PAGE_SIZE,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"rows per page (JSON; default {PAGE_SIZE}, at most "
        f"{MAX_PAGE_SIZE}); the xlsx always holds every row",
    )

    def validate_date(self, value):
        if value is not None and not rules.FIRST_DATE <= value <= rules.LAST_DATE:
            raise serializers.ValidationError(
                gettext("日期须在 %(first)s 与 %(last)s 之间。")
                % {"first": rules.FIRST_DATE, "last": rules.LAST_DATE}
            )
        return value


def _metric_field(metric: rules.Metric):
    help_text = format_lazy("{}: {}", metric.label, metric.definition)
    if metric.kind == rules.RATE:
        return serializers.FloatField(
            allow_null=True, min_value=0, max_value=1, help_text=help_text
        )
    if metric.kind == rules.MONEY:
        return serializers.DecimalField(
            max_digits=14, decimal_places=2, help_text=help_text
        )
    if metric.kind == rules.HOURS:
        return serializers.FloatField(help_text=help_text)
    return serializers.IntegerField(min_value=0, help_text=help_text)


QualityMetricsSerializer = type(
    "QualityMetricsSerializer",
    (serializers.Serializer,),
    {m.key: _metric_field(m) for m in rules.METRICS},
)


class QualityRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_blank=True,
        help_text='the org code; "" for none (no technician, not routed), '
        '"own" for own staff (by=vendor)',
    )
    name = serializers.CharField()
    metrics = QualityMetricsSerializer()


class QualityPreviousSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = QualityRowSerializer(many=True, help_text="the rows of this page's keys")
    totals = QualityMetricsSerializer()


class QualityReportSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=rules.PERIODS)
    start = serializers.DateField(help_text="first local day of the period")
    end = serializers.DateField(help_text="last local day of the period (inclusive)")
    by = serializers.ChoiceField(choices=rules.GROUPINGS)
    count = serializers.IntegerField(help_text="rows of this period, all pages")
    page = serializers.IntegerField()
    pages = serializers.IntegerField(help_text="pages of page_size rows")
    rows = QualityRowSerializer(
        many=True, help_text="this page's rows, by key; totals are the whole period's"
    )
    totals = QualityMetricsSerializer()
    previous = QualityPreviousSerializer(help_text="the period before, same grouping")
    live_days = serializers.ListField(
        child=serializers.DateField(),
        help_text="days computed from the raw records (today, days not rolled up yet)",
    )
    missing_days = serializers.ListField(
        child=serializers.DateField(),
        help_text="days not rolled up and not computed (run reports_backfill)",
    )
