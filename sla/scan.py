"""The periodic SLA sweep (``sla.scan``): warnings, first-response misses,
timeout and repeat-fault escalations.

Cost follows the number of *due* orders, not of open orders: every order
carries ``sla_next_check_at`` (its earliest unprocessed checkpoint, kept
current in the same transaction as each change and NULL once nothing is
left), behind a partial index. A pass:

1. takes the PostgreSQL advisory lock ``sla.scan`` for the whole sweep, so
   overlapping runs (two beats, a redelivered task, a manual run) never work
   in parallel; the loser returns at once. SQLite needs no lock: its writers
   are serialised by the database file lock (``BEGIN IMMEDIATE``), so two
   batches can never interleave there;
2. in bounded batches, each its own transaction, claims the due orders with
   ``SELECT … WHERE sla_next_check_at <= now … FOR UPDATE SKIP LOCKED``
   (orders a user is changing right now are left for the next pass);
3. for each order computes the due checkpoints (``workorders.rules``),
   skips those already recorded, and writes in bulk: the ``SlaEvent`` rows,
   the orders' flags, level and next check time, timeline lines, history
   and the outbox messages.

Every side effect is unique in the database (``SlaEvent`` per order, kind and
checkpoint; outbox rows per dedupe key; the level only rises), so a
duplicate beat or a redelivered task changes nothing more.
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from dispatch_center.db import advisory_lock
from notifications.services import Message, notifications_enqueue
from workorders import fault_holds, rules
from workorders.models import EventKind, WorkOrder
from workorders.selectors import PolicySnapshot, service_policy
from workorders.sla_services import SlaProgress, work_orders_sla_progress

from .models import SlaEvent
from .notices import Notices, local_text, usernames
from .selectors import Person, Recipients
from .services import warning_not_before

log = logging.getLogger("sla")

LOCK_NAME = "sla.scan"
BATCH = 500
MAX_BATCHES = 20

WARNING_POINTS = {
    rules.WARN_PERCENT_USED: "时限已用{percent}%",
    rules.WARN_MINUTES_BEFORE: "距时限不足{minutes}分钟",
}


def due_orders(now: datetime):
    """The due-selection: the partial index ``wo_sla_next_check`` answers it."""
    return WorkOrder.objects.filter(sla_next_check_at__lte=now).order_by(
        "sla_next_check_at"
    )


def sla_scan(
    *,
    now: datetime,
    batch: int = BATCH,
    max_batches: int = MAX_BATCHES,
    use_lock: bool = True,
) -> dict[str, int]:
    """Process everything due at ``now``; returns counts for the log.

    ``use_lock=False`` skips the advisory lock: only for the test that shows
    the row locks and unique constraints alone already prevent duplicates.
    """
    counts: Counter[str] = Counter()
    lock = advisory_lock(LOCK_NAME) if use_lock else nullcontext(True)
    with lock as acquired:
        if not acquired:
            counts["skipped_locked"] += 1
            return dict(counts)
        snapshot = service_policy()
        context: _Context | None = None
        for _ in range(max_batches):
            done = Counter()  # counted only if the batch commits
            try:
                with transaction.atomic():
                    orders = list(
                        due_orders(now)
                        .select_related("technician", "customer", "group")
                        .select_for_update(skip_locked=True, of=("self",))[:batch]
                    )
                    if not orders:
                        break
                    context = context or _Context.load(snapshot)
                    _process(orders, now=now, context=context, counts=done)
            except IntegrityError:
                # Someone recorded one of these side effects between our
                # check and our insert (only possible without the locks):
                # the batch rolled back whole; the next pass redoes it and
                # then sees their rows.
                log.warning("sla scan: batch lost a race, left for the next pass")
                counts["batches_retried"] += 1
                break
            counts.update(done)
            counts["batches"] += 1
            if len(orders) < batch:
                break
    return dict(counts)


@dataclass
class _Context:
    """Loaded once per pass, only when something is due."""

    policy: PolicySnapshot
    recipients: Recipients
    notices: Notices

    @classmethod
    def load(cls, policy: PolicySnapshot) -> _Context:
        return cls(policy, Recipients.load(policy.sla.max_level), Notices.load())


@dataclass
class _Batch:
    sla_events: list[SlaEvent] = field(default_factory=list)
    progress: list[SlaProgress] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    fault_owners: dict = field(default_factory=dict)


def _process(
    orders: list[WorkOrder], *, now: datetime, context: _Context, counts: Counter
) -> None:
    policy = context.policy.sla
    plans = []
    for order in orders:
        state = order.sla_state()
        plans.append((order, state, rules.sla_due(state, policy, now)))
    done = set(
        SlaEvent.objects.filter(order_id__in=[o.pk for o in orders]).values_list(
            "order_id", "kind", "checkpoint"
        )
    )
    out = _Batch()
    out.fault_owners = fault_holds.fault_owners(
        o.network_fault_id for o in orders if o.fault_hold and o.network_fault_id
    )
    for order, state, due in plans:
        events: list[dict] = []
        for point in due:
            if (order.pk, point.kind, point.code) in done:
                counts["already_done"] += 1
                continue
            if point.kind == rules.CP_WARNING and rules.warning_is_stale(state, now):
                counts["warnings_stale"] += 1  # the deadline passed: escalation says it
                continue
            _effect(order, state, point, now, context, out, events, counts)
        after = rules.sla_mark_processed(state, due)
        out.progress.append(
            SlaProgress(order, after, rules.sla_next_check(after, policy), events)
        )
    SlaEvent.objects.bulk_create(out.sla_events, batch_size=1000)
    work_orders_sla_progress(out.progress, now=now)
    notifications_enqueue(out.messages, now=now)
    counts["orders"] += len(orders)
    counts["notifications"] += len(out.messages)


def _effect(order, state, point, now, context, out: _Batch, events, counts) -> None:
    """The side effects of one due checkpoint: a record, a timeline line, notices."""
    recipients, notices, policy = context.recipients, context.notices, context.policy
    key = f"sla:{order.pk}:{point.kind}:{point.code}"
    extra: dict = {}
    if point.kind == rules.CP_WARNING:
        text = WARNING_POINTS[point.level].format(
            percent=policy.sla.warn_percent_used,
            minutes=policy.sla.warn_minutes_before,
        )
        topic, kind = "sla_warning", EventKind.WARNING
        reason = f"超时预警: {text}（内部时限{local_text(state.sla_deadline)}）"
        body = notices.render(topic, order, point=text)
        people = [*recipients.technician(order), *recipients.dispatchers(order)]
        not_before = warning_not_before(order, now, policy)
        counts["warnings"] += 1
    elif point.kind == rules.CP_FIRST_RESPONSE:
        minutes = policy.first_response_minutes
        topic, kind = "sla_first_response", EventKind.FIRST_RESPONSE
        reason = f"首次响应超时: 派单{minutes}分钟内未联系客户"
        technician = order.technician.name if order.technician else "-"
        body = notices.render(topic, order, minutes=minutes, technician=technician)
        people = recipients.dispatchers(order)
        not_before = None
        counts["first_response_missed"] += 1
    else:
        topic, kind = "sla_escalation", EventKind.ESCALATION
        if point.cause == rules.ESCALATE_REPEAT_FAULT:
            why = "重复障碍(重障升级)"
        elif point.level == 1:
            why = "已到内部时限未完成(超时升级)"
        else:
            hours = policy.sla.escalation_offsets[point.level - 1].total_seconds()
            why = f"超过内部时限{hours / 3600:g}小时未完成(超时升级)"
        reason = f"{why}，升至{point.level}级"
        body = notices.render(topic, order, level=point.level, reason=why)
        people, told = recipients.escalation_for(order, point.level)
        if told != point.level:  # nobody at this level: the next one up is told
            extra["contacts_of_level"] = told
            reason += f"（{point.level}级无通知对象，已通知{told}级）"
        not_before = None  # announced when it fires (SPEC §5)
        counts["escalations"] += 1
    held = out.fault_owners.get(order.network_fault_id) if order.fault_hold else None
    if held is not None and point.kind != rules.CP_FIRST_RESPONSE:
        # SPEC §13: a repair held by a network fault keeps its own clock and
        # timeline, but its warnings and escalations go to the fault's owner
        # once per fault and level, not once per linked order.
        owner_id, username, number = held
        people = (
            [Person(owner_id, username)] if owner_id else recipients.dispatchers(order)
        )
        key = f"fault-sla:{order.network_fault_id}:{point.kind}:{point.level}"
        body = f"网络故障{number}的关联工单{reason}"
        topic = f"fault_{topic}"
    messages = Notices.staff(
        order, topic=topic, body=body, people=people, key=key, not_before=not_before
    )
    out.messages.extend(messages)
    out.sla_events.append(
        SlaEvent(
            order=order,
            kind=point.kind,
            checkpoint=point.code,
            level=point.level,
            cause=point.cause,
            due_at=point.at,
            at=now,
            recipients=usernames(messages),
            data={
                "sla_deadline": rules.local(state.sla_deadline).isoformat(),
                **extra,
            },
        )
    )
    events.append(
        {
            "kind": kind,
            "reason": reason,
            "data": {
                "checkpoint": point.code,
                "level": point.level,
                "cause": point.cause,
                "due_at": rules.local(point.at).isoformat(),
                "recipients": usernames(messages),
            },
        }
    )
