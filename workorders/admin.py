from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, ServicePolicy, StandardLimitRow, WorkOrder, WorkOrderEvent


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "phone", "account", "level", "segment", "package_area")
    list_filter = ("level", "segment")
    search_fields = ("name", "phone", "account")
    raw_id_fields = ("package_area",)


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor_name", "from_status", "to_status", "reason", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    """Read-mostly: state changes go through the services (console/API)."""

    list_display = (
        "number",
        "kind",
        "product",
        "status",
        "customer",
        "district",
        "technician",
        "is_same_day",
        "accepted_at",
        "deadline",
        "completed_at",
    )
    list_filter = ("status", "kind", "product", "is_same_day", "source", "district")
    list_select_related = ("customer", "district", "technician")
    search_fields = ("number", "crm_order_id", "customer__phone")
    date_hierarchy = "accepted_at"
    readonly_fields = [f.name for f in WorkOrder._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(ServicePolicy)
class ServicePolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "same_day_cutoff",
        "repair_after_cutoff_hours",
        "first_response_minutes",
        "late_install_counts_as_same_day",
    )

    def has_add_permission(self, request):
        return not ServicePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StandardLimitRow)
class StandardLimitRowAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "product", "customer_class", "hours")
    list_filter = ("kind", "customer_class")
