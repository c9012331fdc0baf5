"""Formatting only: countdowns and small labels (no business logic)."""

from django import template
from django.utils.translation import gettext as _

from console import presenters
from workorders.models import Status

register = template.Library()


@register.filter
def countdown(minutes) -> str:
    """``125`` → "剩 2小时5分"; ``-30`` → "超时 30分"."""
    if minutes is None or minutes == "":
        return ""
    return presenters.countdown(int(minutes))


@register.filter
def instant(value) -> str:
    """An aware datetime as an ISO 8601 instant in UTC (``countdown.js``)."""
    return presenters.instant(value)


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
    return presenters.tone_label(tone)


@register.filter
def status_label(code: str) -> str:
    """A status code of a timeline line (``accepted``) as its label (已接单)."""
    return Status(code).label if code in Status.values else code
