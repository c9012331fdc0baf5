"""OpenAPI generation: every operation documents the error answers it can give.

API.md fixes the error shapes: 400 ``{field: [messages]}``, 401/403/404
``{detail}``, 409 ``{code, detail}``. Documenting them on every operation keeps
``/api/schema/`` honest for clients and for the schemathesis run in the suite.
"""

import functools

from django.urls import Resolver404, resolve
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_CONFLICT = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "reason": {
            "type": "string",
            "description": "not_a_candidate only: resting, on_leave, off_duty, "
            "handed_back, no_skill, at_capacity, other_district (never "
            "overridable); other_group, after_hours (overridable)",
        },
        "overridable": {
            "type": "boolean",
            "description": "not_a_candidate only: whether `override` with a "
            "`reason` may still send the order there (调剂)",
        },
    },
    "required": ["code", "detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": "Field name → list of messages (nested for nested fields).",
}


def _json(schema, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


#: Tag names for apps whose label does not read as a word. Any other app is
#: tagged by its label with spaces (``network_faults`` → "network faults"),
#: so a new app's endpoints are grouped without touching this file.
TAG_NAMES = {"workorders": "work orders", "sla": "SLA"}


def _app_tag(view_class) -> str:
    if getattr(view_class, "schema_tag", None):  # served by another app
        return view_class.schema_tag
    app = view_class.__module__.split(".")[0]
    return TAG_NAMES.get(app, app.replace("_", " "))


@functools.cache
def _collection_tag(prefix: str) -> str | None:
    """The tag of the view serving the collection ``prefix`` (``/api/v1/x/``)."""
    try:
        match = resolve(prefix)
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None)
    return _app_tag(view_class) if view_class else None


def resource_tag(path: str, view) -> str:
    """The resource group of an operation, by URL prefix, then by app.

    ``/api/v1/work-orders/{id}/complete/`` belongs with the work orders even
    though the compensation app serves it: the tag of a path is the tag of
    its collection (``/api/v1/work-orders/``), which is the app of the view
    serving that collection. A path without a collection view
    (``/api/v1/technicians/position/``) takes its own view's app.
    """
    parts = path.split("/")
    if len(parts) > 4 and parts[1] == "api":
        tag = _collection_tag("/".join(parts[:4]) + "/")
        if tag:
            return tag
    return _app_tag(type(view))


class AutoSchema(SpectacularAutoSchema):
    """Operations grouped by resource, every error answer documented.

    Tags come from the view's app (``resource_tag``); operation ids from the
    path after ``/api/v1/`` (``SCHEMA_PATH_PREFIX``), e.g. ``work_orders_create``,
    ``work_orders_dispatch_create``: generated clients name their modules and
    functions after these, so both are part of the contract.
    """

    def get_tags(self):
        return [resource_tag(self.path, self.view)]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        responses.setdefault("400", _json(_FIELD_ERRORS, "Bad input"))
        responses.setdefault("401", _json(_DETAIL, "Not authenticated"))
        responses.setdefault("403", _json(_DETAIL, "Not allowed"))
        responses.setdefault("404", _json(_DETAIL, "Not found"))
        responses.setdefault(
            "429", _json(_DETAIL, "Too many requests for this token (Retry-After)")
        )
        responses.setdefault(
            "503", _json(_CONFLICT, "Database unavailable (Retry-After)")
        )
        if self.method != "GET":
            responses.setdefault(
                "409", _json(_CONFLICT, "Conflict with the current state")
            )
            responses.setdefault(
                "415", _json(_DETAIL, "Body is not JSON (Content-Type)")
            )
        return responses


_ID_PATTERN = "^[0-9]{1,18}$"
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}


def _plain_string(schema) -> bool:
    return (
        schema.get("type") == "string"
        and "enum" not in schema
        and "format" not in schema
        and "pattern" not in schema
    )


def _no_nul_in_strings(schema) -> None:
    for prop in schema.get("properties", {}).values():
        if _plain_string(prop):
            prop["pattern"] = "^[^\\x00]*$"
        elif prop.get("type") == "array" and _plain_string(prop.get("items", {})):
            prop["items"]["pattern"] = "^[^\\x00]*$"


def postprocess_for_clients(result, generator, request, public):
    """What generated clients (openapi-python-client) need from the schema.

    1. A numeric id in a path is an integer from 1 (the URL converter
       matches 1–18 digits; 0 is never an id), not a string with a pattern.
    2. Query parameters lose the ``title`` django-filter copies from the
       Chinese field label: clients would name their enum types after it
       (``WorkOrdersList状态``) instead of after the parameter.
    3. Free-text strings state what is refused: a NUL byte anywhere
       (PostgreSQL cannot store it), and an empty query filter.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_nul_in_strings(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "path" and schema.get("pattern") == _ID_PATTERN:
                    parameter["schema"] = dict(_ID_SCHEMA)
                if parameter["in"] == "query":
                    schema.pop("title", None)
                    schema.get("items", {}).pop("title", None)
                    for value in (schema, schema.get("items", {})):
                        if _plain_string(value):
                            # an empty filter is a 400, and so is a NUL byte
                            value["pattern"] = "^[^\\x00]+$"
    return result
