"""Domain errors, mapped once to HTTP answers (API) and form errors (console).

Services raise these; views never build error responses by hand.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request (HTTP 409 with a code)."""

    code = "conflict"
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code

    def payload(self) -> dict:
        return {"code": self.code, "detail": self.detail}


class Conflict(DomainError):
    code = "conflict"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"


class NotDispatchable(DomainError):
    code = "not_dispatchable"


class AlreadyAssigned(DomainError):
    code = "already_assigned"


class NotACandidate(DomainError):
    """The technician is outside the order's candidate pool (manual dispatch).

    ``reason`` says why in one word (``resting``, ``on_leave``, ``off_duty``,
    ``no_skill``, ``at_capacity``, ``after_hours``, ``other_group``,
    ``other_district``, ``handed_back``); ``overridable`` whether a dispatcher
    may still borrow them (调剂) with ``override`` and a reason.
    """

    code = "not_a_candidate"

    def __init__(self, detail: str, *, reason: str, overridable: bool):
        super().__init__(detail)
        self.reason = reason
        self.overridable = overridable

    def payload(self) -> dict:
        return {
            **super().payload(),
            "reason": self.reason,
            "overridable": self.overridable,
        }


class InvalidInput(Exception):
    """Bad input found by a service (HTTP 400 ``{field: [message]}``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.errors = {field: [message]}


class Forbidden(Exception):
    """The user may not do this to this object (HTTP 403)."""


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.payload(), status=exc.status_code)
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Forbidden):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # The API reads JSON only; say so instead of DRF's bare media type.
        request = context.get("request")
        got = (getattr(request, "content_type", "") or "").split(";")[0] or "none"
        exc = exceptions.UnsupportedMediaType(
            got,
            detail=(
                "Send the body as JSON with Content-Type: application/json "
                f"(got {got})."
            ),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)
