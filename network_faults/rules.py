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

#: The statuses' names as users read them (the same words as ``models.FaultStatus``).
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


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def check_transition(src: str, dst: str) -> None:
    if dst not in TRANSITIONS.get(src, frozenset()):
        raise InvalidTransition(
            gettext("网络故障状态为“%(src)s”，不能变为“%(dst)s”。")
            % {"src": status_label(src), "dst": status_label(dst)}
        )


def refuse_unless(status: str, allowed, number: str) -> None:
    """``InvalidTransition`` unless the fault's status is one of ``allowed``."""
    if status not in allowed:
        raise InvalidTransition(
            gettext("网络故障%(n)s当前为“%(s)s”，不能进行此操作。")
            % {"n": number, "s": status_label(status)}
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
