from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DailyRollup,
    MetricTarget,
    QualityWarning,
    ReportPolicy,
    RollupDay,
    RollupMonth,
    StoredReport,
)


@admin.register(ReportPolicy)
class ReportPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "callback_good_score", "recompute_days", "live_gap_days")

    def has_add_permission(self, request):
        return not ReportPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MetricTarget)
class MetricTargetAdmin(SimpleHistoryAdmin):
    """Targets per metric; a miss publishes a warning (发布预警)."""

    list_display = (
        "metric",
        "direction",
        "value",
        "min_sample",
        "on_day",
        "on_week",
        "on_month",
        "per_district",
        "active",
        "source",
    )
    list_editable = ("value", "min_sample", "active")
    list_filter = ("active", "direction")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QualityWarning)
class QualityWarningAdmin(ReadOnlyAdmin):
    list_display = (
        "period",
        "start",
        "metric",
        "district",
        "value",
        "direction",
        "target",
        "sample",
        "published_at",
    )
    list_filter = ("period", "metric", "district")
    date_hierarchy = "start"


@admin.register(StoredReport)
class StoredReportAdmin(ReadOnlyAdmin):
    list_display = ("period", "start", "end", "district", "generated_at", "size")
    list_filter = ("period", "district")
    exclude = ("xlsx",)


@admin.register(RollupDay)
class RollupDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "rows", "seconds", "computed_at")
    date_hierarchy = "day"


@admin.register(RollupMonth)
class RollupMonthAdmin(ReadOnlyAdmin):
    list_display = ("month", "rows", "computed_at")


@admin.register(DailyRollup)
class DailyRollupAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "level",
        "district_id",
        "group_id",
        "technician_id",
        "vendor_id",
        "received",
        "completed",
    )
    list_filter = ("level",)
    date_hierarchy = "day"
    show_full_result_count = False
