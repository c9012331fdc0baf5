from collections import defaultdict

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Approval, EscalationContact, SlaEvent
from .selectors import escalation_gaps


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
    """Rows here override the defaults of a level (SPEC §5: level 1 the
    district's dispatchers and group leader, level 2 the district's managers,
    level 3 the centre's managers). Levels with nobody are flagged above the
    list: their escalations go up a level."""

    list_display = ("area", "level", "title", "user")
    list_filter = ("level", "area")
    search_fields = ("user__username", "title")
    autocomplete_fields = ("user",)

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            grouped = defaultdict(list)
            for gap in escalation_gaps():
                grouped[(gap.level, gap.goes_to)].append(gap.area)
            for (level, goes_to), areas in sorted(
                grouped.items(), key=lambda item: item[0][0]
            ):
                values = {"level": level, "areas": _("、").join(areas), "up": goes_to}
                if goes_to is None:
                    text = _(
                        "以下片区的%(level)d级升级没有通知对象，更高级别也没有，"
                        "将只通知区局调度员：%(areas)s"
                    )
                else:
                    text = _(
                        "以下片区的%(level)d级升级没有通知对象，将改为通知%(up)d级："
                        "%(areas)s"
                    )
                messages.warning(request, text % values)
        return super().changelist_view(request, extra_context)
