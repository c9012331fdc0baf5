"""Formatting only: countdowns and small labels (no business logic)."""

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
