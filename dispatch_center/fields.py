"""Serializer fields shared by the API."""

import datetime as dt

from rest_framework import serializers

#: Instants this business can mean: orders, appointments, complaints.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class BusinessDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant between 2000 and 2100, whatever offset it was sent in.

    Outside that range an instant is a typo or an attack, and far in the past
    the zone database gives Asia/Shanghai its local mean time (+08:05:43),
    which is no valid RFC 3339 offset to answer with.
    """

    default_error_messages = {
        "range": "时间须在2000年至2100年之间 (between 2000 and 2100)"
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            inside = EARLIEST <= parsed.astimezone(dt.UTC) < LATEST
        except (OverflowError, ValueError):
            inside = False
        if not inside:
            self.fail("range")
        return parsed
