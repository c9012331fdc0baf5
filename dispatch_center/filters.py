"""Filters shared by the API's list endpoints."""

import datetime as dt

import django_filters
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A numeric id: outside 1..2**63-1 is a 400, never a query that overflows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC.

    PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of
    range"); ISO 8601 allows them. Converting first keeps any valid instant a
    valid query, and an instant outside the representable range a 400.
    """

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                raise ValidationError(
                    {self.field_name: [gettext("日期超出范围。")]}
                ) from None
        return super().filter(qs, value)
