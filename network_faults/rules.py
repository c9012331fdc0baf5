"""Pure rules of network faults (SPEC §13): lifecycle and detection.

No ORM, no clock: values in, values out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext, gettext_lazy

from dispatch_center.errors import InvalidTransition

SUSPECTED = "suspected"
CONFIRMED = "confirmed"
RESTORED = "restored"
CLOSED = "closed"
DISMISSED = "dismissed"

OPEN = frozenset({SUSPECTED, CONFIRMED})

STATUS_LABELS = {
    SUSPECTED: gettext_lazy("疑似"),
    CONFIRMED: gettext_lazy("已确认"),
    RESTORED: gettext_lazy("已恢复"),
    CLOSED: gettext_lazy("已关闭"),
    DISMISSED: gettext_lazy("已排除"),
}

TRANSITIONS: dict[str, frozenset[str]] = {
    SUSPECTED: frozenset({CONFIRMED, DISMISSED}),
    CONFIRMED: frozenset({RESTORED}),
    RESTORED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    DISMISSED: frozenset(),
}


def check_transition(src: str, dst: str) -> None:
    if dst not in TRANSITIONS.get(src, frozenset()):
        raise InvalidTransition(
            gettext("“%(src)s”的故障不能变为“%(dst)s”。")
            % {"src": STATUS_LABELS.get(src, src), "dst": STATUS_LABELS.get(dst, dst)}
        )


def cluster_key(package_area_id: int, product: str) -> str:
    return f"{package_area_id}:{product}"


def window_start(now: datetime, window_minutes: int) -> datetime:
    """The earliest entry time that counts: exactly W minutes ago counts."""
    return now - timedelta(minutes=window_minutes)


def cluster_reached(count: int, min_repairs: int) -> bool:
    """N repairs open a fault; N − 1 do not."""
    return count >= min_repairs


def counting_since(
    now: datetime, window_minutes: int, last_fault_ended: datetime | None
) -> datetime:
    """Repairs entered from then on count toward a new fault.

    A cluster that already opened a fault (dismissed or restored since) never
    opens a second one: only repairs entered after that fault ended count.
    """
    start = window_start(now, window_minutes)
    if last_fault_ended is not None and last_fault_ended >= start:
        return last_fault_ended + timedelta(microseconds=1)
    return start


def fault_number(prefix_date: datetime, sequence: int) -> str:
    return f"F{prefix_date:%y%m%d}{sequence:04d}"
