from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Approval, EscalationContact, SlaEvent


@admin.register(SlaEvent)
class SlaEventAdmin(admin.ModelAdmin):
    """Read-only: written by the scan and the SLA services only."""

    list_display = ("at", "order", "kind", "checkpoint", "level", "cause", "due_at")
    list_filter = ("kind", "cause", "level")
    search_fields = ("order__number",)
    date_hierarchy = "at"
    raw_id_fields = ("order",)
    readonly_fields = [f.name for f in SlaEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Approval)
class ApprovalAdmin(SimpleHistoryAdmin):
    """Decisions go through the API/console (they change the order too)."""

    list_display = (
        "requested_at",
        "order",
        "kind",
        "reason",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "kind", "reason")
    search_fields = ("order__number", "evidence", "note")
    date_hierarchy = "requested_at"
    raw_id_fields = ("order",)
    readonly_fields = [f.name for f in Approval._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EscalationContact)
class EscalationContactAdmin(SimpleHistoryAdmin):
    list_display = ("area", "level", "title", "user")
    list_filter = ("level", "area")
    search_fields = ("user__username", "title")
    autocomplete_fields = ("user",)
