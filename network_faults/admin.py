from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from workorders.models import FaultDetectionRule

from .models import FaultEvent, NetworkFault


class FaultEventInline(admin.TabularInline):
    model = FaultEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor_name", "from_status", "to_status", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NetworkFault)
class NetworkFaultAdmin(SimpleHistoryAdmin):
    list_display = (
        "number",
        "status",
        "origin",
        "product",
        "started_at",
        "eta",
        "restored_at",
    )
    list_filter = ("status", "origin", "product")
    search_fields = ("number", "cause")
    filter_horizontal = ("package_areas",)
    raw_id_fields = ("owner",)
    readonly_fields = ("status", "cluster_key", "district_ids", "created_at")
    inlines = [FaultEventInline]


@admin.register(FaultDetectionRule)
class FaultDetectionRuleAdmin(SimpleHistoryAdmin):
    list_display = ("area_type", "min_repairs", "window_minutes")
