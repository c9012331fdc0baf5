"""OpenAPI generation: every operation documents the error answers it can give.

API.md fixes the error shapes: 400 ``{field: [messages]}``, 401/403/404
``{detail}``, 409 ``{code, detail}``. Documenting them on every operation keeps
``/api/schema/`` honest for clients and for the schemathesis run in the suite.
"""

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


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        responses.setdefault("400", _json(_FIELD_ERRORS, "Bad input"))
        responses.setdefault("401", _json(_DETAIL, "Not authenticated"))
        responses.setdefault("403", _json(_DETAIL, "Not allowed"))
        responses.setdefault("404", _json(_DETAIL, "Not found"))
        if self.method != "GET":
            responses.setdefault(
                "409", _json(_CONFLICT, "Conflict with the current state")
            )
            responses.setdefault("415", _json(_DETAIL, "Body is not JSON"))
        return responses
