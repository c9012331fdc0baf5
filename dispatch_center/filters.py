"""Filters shared by the API's list endpoints."""

import django_filters

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A numeric id: outside 1..2**63-1 is a 400, never a query that overflows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)
