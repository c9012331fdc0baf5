from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintPolicy,
    ComplaintStep,
    ComplaintSubCategory,
    PenaltyTicket,
)


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "front_desk_minutes",
        "review_minutes",
        "city_minutes",
        "answer_hours",
        "return_hours",
        "supervise_after_hours",
        "repeat_window_days",
        "callback_install_days",
        "callback_repair_days",
    )

    def has_add_permission(self, request):
        return not ComplaintPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplaintSubCategory)
class ComplaintSubCategoryAdmin(SimpleHistoryAdmin):
    """The 16 default sub-items are seeded; codes stay stable once used."""

    list_display = ("code", "name", "category", "active", "sort_order")
    list_filter = ("category", "active")
    list_editable = ("active", "sort_order")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: complaints keep their sub-item


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StepInline(_ReadOnlyInline):
    model = ComplaintStep
    fields = (
        "step",
        "owner_role",
        "owner",
        "owner_name",
        "started_at",
        "due_at",
        "done_at",
        "done_by",
        "action",
        "alert_level",
    )
    readonly_fields = fields


class EventInline(_ReadOnlyInline):
    model = ComplaintEvent
    fields = ("at", "kind", "actor_name", "from_step", "to_step", "reason")
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: the flow moves through the API/console services."""

    list_display = (
        "number",
        "channel",
        "category",
        "sub_category",
        "status",
        "current_step_due",
        "is_repeat",
        "escalated",
        "escalation_level",
        "district",
        "outcome",
        "received_at",
    )
    list_filter = (
        "status",
        "channel",
        "category",
        "is_repeat",
        "escalated",
        "outcome",
        "district",
    )
    list_select_related = ("sub_category", "district")
    search_fields = ("number", "phone", "customer_name", "work_order__number")
    date_hierarchy = "received_at"
    raw_id_fields = ("customer", "work_order")
    readonly_fields = [f.name for f in Complaint._meta.fields]
    inlines = [StepInline, EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(PenaltyTicket)
class PenaltyTicketAdmin(SimpleHistoryAdmin):
    """Read-only: tickets come from responsibility determinations."""

    list_display = (
        "complaint",
        "technician",
        "user",
        "department",
        "amount",
        "month",
        "status",
        "report_due",
        "reported_at",
        "reported_late",
    )
    list_filter = ("status", "month", "reported_late")
    list_select_related = ("complaint", "technician", "user")
    search_fields = ("complaint__number", "technician__code", "user__username")
    readonly_fields = [f.name for f in PenaltyTicket._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = (
        "work_order",
        "contact",
        "punctuality",
        "skill",
        "attitude",
        "satisfied",
        "by",
        "at",
    )
    list_filter = ("satisfied",)
    list_select_related = ("work_order", "by")
    search_fields = ("work_order__number",)
    date_hierarchy = "at"
    readonly_fields = [f.name for f in Callback._meta.fields]

    def has_add_permission(self, request):
        return False
