"""Filters shared by the API's list endpoints."""

import datetime as dt

import django_filters
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
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


_BOOLEAN_WORDS = {"true", "false", "1", "0"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing filter values that would silently mean nothing.

    A ``BooleanFilter`` reads ``overdue=maybe`` as "no filter" and returns the
    whole list; a client with a typo would never notice. Here it is a 400
    naming the parameter, like every other bad filter value; so is an empty
    value (``?status=``), which django-filter also reads as "no filter".
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, filter_ in filterset.filters.items():
            if name not in filterset.data:
                continue
            values = filterset.data.getlist(name)
            if any(value == "" for value in values):
                # ``?status=`` would silently mean "no filter"
                errors[name] = ["may not be empty: leave the parameter out"]
            elif isinstance(filter_, django_filters.BooleanFilter) and any(
                value.lower() not in _BOOLEAN_WORDS for value in values
            ):
                errors[name] = ["must be true or false"]
        if errors:
            raise ValidationError(errors)
        return filterset
