"""URL converters. Importing this module registers ``<id:pk>``.

``<int:pk>`` accepts any number of digits; an id past the 64-bit range then
reaches the database (SQLite raises OverflowError → 500). ``<id:pk>`` only
matches what a primary key can be, so anything longer is a plain 404.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")

#: For DRF routers: ``lookup_value_regex`` of every viewset with numeric ids.
ID_REGEX = IdConverter.regex
