"""Rate tables are edited here; runs, lines and items are read-only
(computed, reviewed and locked through the API services)."""

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Adjustment,
    CertLevelPay,
    PayrollItem,
    PayrollLine,
    PayrollPolicy,
    PayrollRun,
    PieceRate,
    QualityGrade,
    RunStatus,
    TechnicianPay,
)


@admin.register(PieceRate)
class PieceRateAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "product", "unit_price", "difficulty")
    list_editable = ("unit_price", "difficulty")
    list_filter = ("kind",)


@admin.register(PayrollPolicy)
class PayrollPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "same_day_coefficient",
        "same_day_on_time_only",
        "after_hours_coefficient",
    )

    def has_add_permission(self, request):
        return not PayrollPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QualityGrade)
class QualityGradeAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "rank",
        "coefficient",
        "min_satisfaction",
        "max_repeat_rate",
        "max_complaints",
    )
    list_editable = (
        "rank",
        "coefficient",
        "min_satisfaction",
        "max_repeat_rate",
        "max_complaints",
    )


@admin.register(CertLevelPay)
class CertLevelPayAdmin(SimpleHistoryAdmin):
    list_display = ("cert_level", "post_wage", "base_hours")
    list_editable = ("post_wage", "base_hours")


@admin.register(TechnicianPay)
class TechnicianPayAdmin(SimpleHistoryAdmin):
    list_display = ("technician", "post_wage", "base_hours", "note")
    raw_id_fields = ("technician",)
    search_fields = ("technician__code", "technician__name")


@admin.register(Adjustment)
class AdjustmentAdmin(SimpleHistoryAdmin):
    list_display = ("month", "technician", "kind", "amount", "reason", "created_by")
    list_filter = ("month", "kind")
    raw_id_fields = ("technician",)
    search_fields = ("technician__code", "technician__name", "reason")
    readonly_fields = ("created_by",)
    exclude = ("created_at",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PayrollRun)
class PayrollRunAdmin(ReadOnlyAdmin):
    list_display = (
        "month",
        "version",
        "status",
        "technicians",
        "orders",
        "total",
        "created_at",
        "created_by",
        "locked_at",
    )
    list_filter = ("status", "month")

    def has_delete_permission(self, request, obj=None):
        # Drafts may be discarded; reviewed and locked runs are the record.
        return obj is None or obj.status == RunStatus.DRAFT

    def get_deleted_objects(self, objs, request):
        """Counts instead of the usual list: a run has an item per order."""
        runs = list(objs)
        if any(run.status != RunStatus.DRAFT for run in runs):
            return [str(run) for run in runs], {}, set(), ["只能删除草稿"]
        ids = [run.pk for run in runs]
        counts = {
            PayrollRun._meta.verbose_name_plural: len(runs),
            PayrollLine._meta.verbose_name_plural: PayrollLine.objects.filter(
                run_id__in=ids
            ).count(),
            PayrollItem._meta.verbose_name_plural: PayrollItem.objects.filter(
                run_id__in=ids
            ).count(),
        }
        return [str(run) for run in runs], counts, set(), []


@admin.register(PayrollLine)
class PayrollLineAdmin(ReadOnlyAdmin):
    list_display = (
        "run",
        "technician",
        "vendor",
        "grade",
        "post_wage",
        "base_hours",
        "worked_hours",
        "piece_wage",
        "rewards",
        "penalties",
        "total",
    )
    list_filter = ("run__month", "grade", "vendor")
    list_select_related = ("run", "technician", "vendor")
    search_fields = ("technician__code", "technician__name")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PayrollItem)
class PayrollItemAdmin(ReadOnlyAdmin):
    list_display = (
        "run",
        "technician",
        "seq",
        "number",
        "kind",
        "product",
        "completed_at",
        "hours",
        "paid_hours",
        "amount",
    )
    list_select_related = ("run", "technician")
    search_fields = ("number", "technician__code")

    def has_delete_permission(self, request, obj=None):
        return False
