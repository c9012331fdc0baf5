"""Formatting only: countdowns and small labels (no business logic)."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from workorders.models import Status

register = template.Library()


def _span(minutes: int) -> str:
    hours, mins = divmod(abs(minutes), 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    return _("%(m)s分") % {"m": mins}


@register.filter
def countdown(minutes) -> str:
    """``125`` → "剩 2小时5分"; ``-30`` → "超时 30分"."""
    if minutes is None or minutes == "":
        return ""
    minutes = int(minutes)
    if minutes >= 0:
        return _("剩 %(span)s") % {"span": _span(minutes)}
    return _("超时 %(span)s") % {"span": _span(minutes)}


@register.filter
def instant(value) -> str:
    """An aware datetime as an ISO 8601 instant in UTC to the millisecond
    (``2026-11-20T02:00:00.000Z``), for the browser's countdowns."""
    if not value:
        return ""
    return (
        value.astimezone(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@register.simple_tag
def countdown_formats() -> dict:
    """The countdown's words for the browser (``countdown.js``), the same
    catalog entries as ``countdown`` and ``tone_label``: a template's
    ``{% translate %}`` would look them up with ``%%`` and miss."""
    return {
        "left": _("剩 %(span)s"),
        "overdue": _("超时 %(span)s"),
        "days": _("%(d)s天%(h)s小时"),
        "hours": _("%(h)s小时%(m)s分"),
        "minutes": _("%(m)s分"),
        **{f"tone_{tone}": tone_label(tone) for tone in TONES},
    }


TONES = ("ok", "warning", "overdue", "paused")


@register.filter
def tone_label(tone: str) -> str:
    return {
        "ok": _("正常"),
        "warning": _("预警"),
        "overdue": _("超时"),
        "paused": _("挂起"),
    }.get(tone, "")


@register.filter
def status_label(code: str) -> str:
    """A status code of a timeline line (``accepted``) as its label (已接单)."""
    return Status(code).label if code in Status.values else code
