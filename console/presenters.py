"""Human-readable details of timeline lines (pure: an event in, strings out).

The services store the facts of each step in ``WorkOrderEvent.data``; this
turns them into short lines for the order page: the reasons of a dispatch,
the appointment, the SMS text, the compensation, the approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import Product
from workorders import rules as wo_rules
from workorders.models import (
    DelayCause,
    DispatchFlag,
    EventKind,
    Kind,
    Resolution,
    Status,
)

DECIDED_BY = {
    "engine": gettext_lazy("自动派单"),
    "dispatcher": gettext_lazy("调度员派单"),
}


def _when(value: str | None) -> str:
    if not value:
        return ""
    try:
        return f"{wo_rules.local(datetime.fromisoformat(value)):%m-%d %H:%M}"
    except (TypeError, ValueError):
        return str(value)


def dispatch_reasons(reasons: dict) -> list[str]:
    """派单理由: owner, distance, workload, capacity, score and rank."""
    if not reasons or reasons.get("manual"):
        return [_("手工派单")]
    lines = []
    decided = reasons.get("decided_by")
    if decided in DECIDED_BY:
        lines.append(str(DECIDED_BY[decided]))
    if reasons.get("rank"):
        lines.append(_("候选排名第%(rank)s") % {"rank": reasons["rank"]})
    elif "not_ranked_because" in reasons:
        lines.append(_("未进入候选: %(why)s") % {"why": reasons["not_ranked_because"]})
    if reasons.get("made_room"):
        lines.append(_("调剂：前序人选已满，为使其他工单可派"))
    if "score" in reasons:
        lines.append(_("得分 %(score)s") % {"score": reasons["score"]})
    if reasons.get("package_area_owner"):
        lines.append(_("包区工程师"))
    if reasons.get("distance_km") is not None:
        lines.append(_("距离 %(km)s 公里") % {"km": reasons["distance_km"]})
    elif "distance_km" in reasons:
        lines.append(_("位置未知"))
    if "workload_hours" in reasons:
        lines.append(_("今日工时 %(h)s") % {"h": reasons["workload_hours"]})
    if "open_orders" in reasons:
        lines.append(
            _("在途 %(n)s/%(cap)s")
            % {"n": reasons["open_orders"], "cap": reasons.get("capacity", "?")}
        )
    if reasons.get("same_group") is False:
        lines.append(_("跨组支援"))
    return lines


def event_details(event) -> list[str]:
    """Short lines explaining one timeline event (empty when nothing to add)."""
    data = event.data or {}
    kind = event.kind
    lines: list[str] = []
    if kind == EventKind.DISPATCH:
        name = data.get("technician_name") or data.get("technician") or ""
        lines.append(_("派给 %(name)s") % {"name": name})
        if data.get("previous_technician"):
            lines.append(_("原工程师 %(code)s") % {"code": data["previous_technician"]})
        lines.extend(dispatch_reasons(data.get("reasons") or {}))
    elif kind == EventKind.CREATED and data.get("deadline"):
        lines.append(_("完成时限 %(at)s") % {"at": _when(data["deadline"])})
        if data.get("repeat_fault"):
            lines.append(_("重复障碍"))
    elif data.get("appointment_start") and data.get("appointment_end"):
        lines.append(
            _("预约 %(start)s 至 %(end)s")
            % {
                "start": _when(data["appointment_start"]),
                "end": _when(data["appointment_end"]),
            }
        )
    if kind == EventKind.NOTIFY and data.get("body"):
        lines.append(
            _("短信至 %(to)s: %(body)s")
            % {"to": data.get("recipient", ""), "body": data["body"]}
        )
    if data.get("resolution"):
        lines.append(Resolution(data["resolution"]).label)
    if data.get("delay_cause") and data["delay_cause"] in DelayCause.values:
        lines.append(
            _("超时原因: %(cause)s") % {"cause": DelayCause(data["delay_cause"]).label}
        )
    if data.get("evidence"):
        lines.append(_("佐证: %(ev)s") % {"ev": data["evidence"]})
    if kind == EventKind.COMPENSATION and data.get("amount"):
        lines.append(
            _("超时 %(days)s 天，金额 %(amount)s 元")
            % {"days": data.get("days_late", "?"), "amount": data["amount"]}
        )
    if kind in (EventKind.ESCALATION, EventKind.WARNING) and data.get("level"):
        lines.append(_("级别 %(level)s") % {"level": data["level"]})
    if kind == EventKind.URGE and data.get("urge"):
        lines.append(_("第%(n)s次催单") % {"n": data["urge"]})
    if data.get("complaint"):
        lines.append(_("投诉单 %(number)s") % {"number": data["complaint"]})
    if "satisfied" in data:
        lines.append(
            _("评分 联系%(c)s 准时%(p)s 技能%(s)s 态度%(a)s")
            % {
                "c": data.get("contact", "-"),
                "p": data.get("punctuality", "-"),
                "s": data.get("skill", "-"),
                "a": data.get("attitude", "-"),
            }
        )
    return lines


# --- the desk's rows: what a list row shows, once per page ------------------------------


def _span(minutes: int) -> str:
    hours, mins = divmod(abs(minutes), 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    return _("%(m)s分") % {"m": mins}


def countdown(minutes: int) -> str:
    """``125`` → "剩 2小时5分"; ``-30`` → "超时 30分"."""
    if minutes >= 0:
        return _("剩 %(span)s") % {"span": _span(minutes)}
    return _("超时 %(span)s") % {"span": _span(minutes)}


def instant(value: datetime | None) -> str:
    """An aware datetime as an ISO 8601 instant in UTC to the millisecond
    (``2026-11-20T02:00:00.000Z``), for the browser's countdowns."""
    if not value:
        return ""
    return (
        value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def tone_label(tone: str) -> str:
    return {
        "ok": _("正常"),
        "warning": _("预警"),
        "overdue": _("超时"),
        "paused": _("挂起"),
    }.get(tone, "")


@dataclass(frozen=True)
class RowText:
    """The words and links of one order in the desk's lists, computed once a
    page: labels looked up in a table built once (``get_FOO_display`` hashes
    every translated choice at each call), links by prefix (one ``reverse``
    a page, not three a row), badges without an include per row."""

    url: str
    candidates_url: str
    kind: str
    product: str
    status: str
    badges: tuple[tuple[str, str], ...]
    countdown: str
    tone_label: str
    deadline: str
    deadline_at: str
    warn_at: str


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def row_texts(rows) -> None:
    """Set ``row.text`` (a ``RowText``) on each of ``rows`` (``OrderRow``)."""
    if not rows:
        return
    marker = 987654321
    order_url = reverse("console-order", args=[marker]).split(str(marker))
    candidates_url = reverse("console-dispatch-candidates", args=[marker]).split(
        str(marker)
    )
    kinds, products = _labels(Kind), _labels(Product)
    statuses, flags = _labels(Status), _labels(DispatchFlag)
    same_day, repeat = _("当日"), _("重复障碍")
    tones = {tone: tone_label(tone) for tone in ("ok", "warning", "overdue", "paused")}
    for row in rows:
        order = row.order
        badges = []
        if row.is_vip:
            badges.append(("vip", "VIP"))
        if order.is_same_day:
            badges.append(("sameday", same_day))
        if order.is_repeat_fault:
            badges.append(("repeat", repeat))
        if order.dispatch_flag:
            badges.append(("flag", flags.get(order.dispatch_flag, order.dispatch_flag)))
        if order.escalation_level:
            badges.append(
                ("level", _("升级%(level)s级") % {"level": order.escalation_level})
            )
        pk = str(order.pk)
        row.text = RowText(
            url=pk.join(order_url),
            candidates_url=pk.join(candidates_url),
            kind=kinds.get(order.kind, order.kind),
            product=products.get(order.product, order.product),
            status=statuses.get(order.status, order.status),
            badges=tuple(badges),
            countdown=countdown(row.minutes_left),
            tone_label=tones.get(row.tone, ""),
            deadline=f"{wo_rules.local(order.sla_deadline):%m-%d %H:%M}",
            deadline_at=instant(order.sla_deadline),
            warn_at=instant(row.warn_at),
        )
