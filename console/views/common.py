"""What every console view shares: running a service on behalf of a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch_center.errors import DomainError, Forbidden, InvalidInput

T = TypeVar("T")

#: A short Chinese lead for each domain error code; the service's detail follows.
ERROR_LEADS = {
    "invalid_transition": gettext_lazy("工单当前状态不允许此操作"),
    "not_dispatchable": gettext_lazy("不能派给该工程师"),
    "already_assigned": gettext_lazy("工单已派给该工程师"),
    "not_a_candidate": gettext_lazy("该工程师不在本单的候选范围内"),
    "approval_pending": gettext_lazy("该工单已有待审核的申请"),
    "already_called_back": gettext_lazy("该工单已回访"),
    "idempotency_conflict": gettext_lazy("重复提交且内容不同"),
    "conflict": gettext_lazy("操作冲突，请刷新后重试"),
}


def error_text(exc: Exception) -> str:
    """One line for a domain error: the lead in the user's language, then the
    service's own detail (kept: it names the order and the state)."""
    if isinstance(exc, DomainError):
        lead = ERROR_LEADS.get(exc.code, ERROR_LEADS["conflict"])
        return _("%(lead)s：%(detail)s") % {"lead": lead, "detail": exc.detail}
    if isinstance(exc, Forbidden):
        return _("无权操作：%(detail)s") % {"detail": str(exc)}
    return str(exc)


def run(form, call: Callable[[], T]) -> T | None:
    """Call a service; put its refusal on ``form`` and return None.

    ``InvalidInput`` lands on the field it names (or the whole form when the
    form has no such field); other domain errors and ``Forbidden`` land on the
    form. Nothing here ever becomes a 500.
    """
    try:
        return call()
    except InvalidInput as exc:
        for field, problems in exc.errors.items():
            target = field if field in form.fields else None
            for problem in problems:
                form.add_error(target, problem)
    except (DomainError, Forbidden) as exc:
        form.add_error(None, error_text(exc))
    return None


def form_errors_text(form) -> str:
    """All of a form's errors on one line (for a message after a redirect)."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            parts.append(f"{label}：{error}" if label else str(error))
    return "；".join(parts)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
