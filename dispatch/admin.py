from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DispatchPolicy,
    RedispatchRequest,
    RotaEntry,
    SlotPolicy,
    WorkHourStandard,
)


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "owner_bonus",
        "distance_penalty_per_km",
        "workload_penalty_per_hour",
        "workday_start",
        "workday_end",
    )

    def has_add_permission(self, request):
        return not DispatchPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkHourStandard)
class WorkHourStandardAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "product", "hours")
    list_filter = ("kind",)


@admin.register(RotaEntry)
class RotaEntryAdmin(SimpleHistoryAdmin):
    list_display = ("date", "technician", "kind", "note")
    list_filter = ("kind", "technician__group__area__district")
    date_hierarchy = "date"
    raw_id_fields = ("technician",)


@admin.register(RedispatchRequest)
class RedispatchRequestAdmin(admin.ModelAdmin):
    list_display = ("at", "order", "technician", "note")
    raw_id_fields = ("order", "technician")


@admin.register(SlotPolicy)
class SlotPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "spans", "after_hours_spans", "kept_target_percent")

    def has_add_permission(self, request):
        return not SlotPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
