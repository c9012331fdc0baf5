"""The admin's change history in words people read: each changed value shown
the way the admin shows the field itself (choice labels, local times, "—" for
nothing), not Python reprs, raw codes and UTC timestamps."""

from __future__ import annotations

from django.contrib.admin.utils import display_for_field
from django.db.models import ForeignKey, ManyToManyField
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

EMPTY = "—"


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        if value is None or (isinstance(value, DeletedObject) and value.pk is None):
            return EMPTY
        if isinstance(field, ForeignKey):
            return str(value)
        return display_for_field(value, field, EMPTY)


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)
