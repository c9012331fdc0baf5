from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from dispatch_center.admin_history import ReadableHistoryAdmin

from . import rules
from .models import (
    CalendarOverride,
    Customer,
    ServicePolicy,
    StandardLimitRow,
    WorkOrder,
    WorkOrderEvent,
)
from .selectors import calendar_gaps


class CalendarWarningMixin:
    """When the installed chinesecalendar lacks this or next year's official
    holiday calendar: a warning while that year has no entries here (then
    only weekdays count), a note once the centre has entered them."""

    def changelist_view(self, request, extra_context=None):
        for year, entered in calendar_gaps(timezone.localdate()):
            if entered:
                messages.info(
                    request,
                    gettext(
                        "工作日历：%(year)d年按此处录入的%(count)d条节假日和调休"
                        "上班日计算(chinesecalendar 不含该年)。"
                    )
                    % {"year": year, "count": entered},
                )
            else:
                messages.warning(
                    request,
                    gettext(
                        "工作日历：已安装的 chinesecalendar 不含%(year)d年的国务院"
                        "放假安排，也没有录入%(year)d年的节假日和调休上班日，"
                        "%(year)d年将按周一至周五上班计算。请在“工作日历调整”中"
                        "录入，或升级 chinesecalendar。"
                    )
                    % {"year": year},
                )
        return super().changelist_view(request, extra_context)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "phone", "account", "level", "segment", "package_area")
    list_filter = ("level", "segment")
    search_fields = ("name", "phone", "account")
    raw_id_fields = ("package_area",)


class EventInline(admin.TabularInline):
    """The timeline, states by name (the console's admin adds the details in
    words, from ``console.presenters``)."""

    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor_name", "from_label", "to_label", "reason", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原状态"))
    def from_label(self, event):
        return rules.status_label(event.from_status) if event.from_status else "—"

    @admin.display(description=_("新状态"))
    def to_label(self, event):
        return rules.status_label(event.to_status) if event.to_status else "—"


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadableHistoryAdmin):
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
    # the customer page's token is a secret of the customer's SMS (SPEC §14)
    exclude = ("customer_token",)
    readonly_fields = [
        f.name for f in WorkOrder._meta.fields if f.name != "customer_token"
    ]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(ServicePolicy)
class ServicePolicyAdmin(CalendarWarningMixin, SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "same_day_cutoff",
        "repair_after_cutoff_hours",
        "first_response_minutes",
        "late_install_counts_as_same_day",
        "warn_percent_used",
        "warn_minutes_before",
        "escalation_offsets_minutes",
        "repeat_fault_days",
    )

    def has_add_permission(self, request):
        return not ServicePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StandardLimitRow)
class StandardLimitRowAdmin(CalendarWarningMixin, SimpleHistoryAdmin):
    list_display = ("kind", "product", "customer_class", "hours", "counting")
    list_filter = ("kind", "customer_class", "counting")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(CalendarWarningMixin, SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("note",)
