"""The admin's order page with the timeline's details in words.

``workorders.admin`` cannot explain an event's facts (``WorkOrderEvent.data``)
itself: the words live in ``console.presenters``, a layer above. So the console
re-registers the order admin with an inline that uses them, as the order page
does, instead of showing the raw JSON.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workorders.admin import EventInline, WorkOrderAdmin
from workorders.models import WorkOrder

from . import presenters


class ReadableEventInline(EventInline):
    fields = ("at", "kind", "actor_name", "from_label", "to_label", "reason", "details")
    readonly_fields = fields

    @admin.display(description=_("详情"))
    def details(self, event):
        return " · ".join(presenters.event_details(event)) or "—"


class ReadableWorkOrderAdmin(WorkOrderAdmin):
    inlines = [ReadableEventInline]


admin.site.unregister(WorkOrder)
admin.site.register(WorkOrder, ReadableWorkOrderAdmin)
