"""Enqueue and deliver outbox messages."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from dispatch_center.caching import ProcessCache

from .gateways import get_gateway
from .models import Channel, MessageTemplate, Notification, OutboxStatus
from .rules import next_attempt

log = logging.getLogger("notifications")


@dataclass(frozen=True)
class Message:
    channel: str
    recipient: str
    topic: str
    body: str
    dedupe_key: str
    payload: dict | None = None
    subject_type: str = ""
    subject_id: int | None = None
    recipient_user_id: int | None = None
    #: hold delivery until then (e.g. staff notices kept to working hours)
    not_before: datetime | None = None


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


_templates = ProcessCache("POLICY_CACHE_SECONDS")


def _template_texts() -> dict[str, str]:
    """All admin-edited wordings, cached per process like the policies.

    The engine renders one SMS per assignment: one query per message would be
    thousands per pass.
    """
    return _templates.get(
        None, lambda: dict(MessageTemplate.objects.values_list("topic", "text"))
    )


def template_cache_clear() -> None:
    _templates.clear()


def render(topic: str, default: str, **values) -> str:
    """Fill the admin-edited template of ``topic`` (or ``default``)."""
    text = _template_texts().get(topic) or default
    return text.format_map(_SafeDict(values))


def with_customer_link(body: str, link: str | None) -> str:
    """Every customer SMS carries the link of their own page (SPEC §14), also
    when an admin-edited template has no ``{link}`` in it."""
    if not link or link in body:
        return body
    separator = "" if body.endswith(("。", "！", "；", "，")) else "。"
    return f"{body}{separator}查看进度或改约：{link}"


def staff_messages(
    people: Iterable,
    *,
    topic: str,
    body: str,
    key: str,
    subject_type: str,
    subject_id: int,
    not_before: datetime | None = None,
) -> list[Message]:
    """One staff message per person (each user once), deduplicated in the
    outbox by ``key`` + user: a retried or duplicated call is a no-op.
    ``people`` have a ``user_id`` and a ``username``."""
    seen: set[int] = set()
    messages = []
    for person in people:
        if person.user_id in seen:
            continue
        seen.add(person.user_id)
        messages.append(
            Message(
                channel=Channel.STAFF,
                recipient=person.username,
                recipient_user_id=person.user_id,
                topic=topic,
                body=body,
                dedupe_key=f"{key}:{person.user_id}",
                subject_type=subject_type,
                subject_id=subject_id,
                not_before=not_before,
            )
        )
    return messages


def notifications_enqueue(messages: list[Message], *, now: datetime) -> None:
    """Queue messages; a second enqueue of the same ``dedupe_key`` is a no-op.

    Runs inside the caller's transaction, so a message exists if and only if
    the change that caused it committed. After commit the sender is nudged
    (best effort: with the broker down the beat job picks the rows up later).
    """
    if not messages:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                channel=m.channel,
                recipient=m.recipient,
                recipient_user_id=m.recipient_user_id,
                topic=m.topic,
                body=m.body,
                payload=m.payload or {},
                dedupe_key=m.dedupe_key[:200],
                subject_type=m.subject_type,
                subject_id=m.subject_id,
                next_attempt_at=max(now, m.not_before or now),
                created_at=now,
            )
            for m in messages
        ],
        ignore_conflicts=True,
    )
    if settings.NOTIFICATION_KICK:
        transaction.on_commit(_kick_sender)


_last_kick = 0.0


def _kick_sender() -> None:
    """Nudge the sender, at most once per ``NOTIFICATION_KICK_SECONDS`` per process.

    A dispatch pass commits once per area: one nudge covers them all.
    """
    global _last_kick
    now = time.monotonic()
    if now - _last_kick < settings.NOTIFICATION_KICK_SECONDS:
        return
    _last_kick = now
    from .tasks import send_outbox

    try:
        send_outbox.apply_async(retry=False, expires=60)
    except Exception as exc:  # noqa: BLE001 - the broker being down must not fail the request
        log.warning(
            "outbox kick not sent (%s: %s); the beat job will deliver",
            exc.__class__.__name__,
            exc,
        )


def outbox_deliver_due(*, now: datetime, batch: int = 200) -> dict[str, int]:
    """Deliver due messages once each, retrying failures with backoff.

    1. Claim up to ``batch`` due rows (``SKIP LOCKED``: parallel senders take
       different rows) by marking them ``sending`` with a lease; a sender that
       dies leaves rows whose lease expires and are claimed again.
    2. Deliver each outside the claim transaction; a row is marked sent only
       if it is still ours (compare-and-set on status and attempts).
    3. Failures go back to ``queued`` with exponential backoff, or ``dead``
       after ``NOTIFICATION_MAX_ATTEMPTS``.
    """
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[OutboxStatus.QUEUED, OutboxStatus.SENDING],
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:batch]
        )
        Notification.objects.filter(id__in=ids).update(
            status=OutboxStatus.SENDING,
            next_attempt_at=now + lease,
            attempts=F("attempts") + 1,
        )
    counts = {"sent": 0, "retry": 0, "dead": 0}
    gateway = get_gateway()
    for message in Notification.objects.filter(id__in=ids).order_by("id"):
        mine = Notification.objects.filter(
            pk=message.pk, status=OutboxStatus.SENDING, attempts=message.attempts
        )
        try:
            gateway.send(message)
        except Exception as exc:  # noqa: BLE001 - any failure is retried
            error = f"{exc.__class__.__name__}: {exc}"[:1000]
            if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                mine.update(status=OutboxStatus.DEAD, last_error=error)
                counts["dead"] += 1
                log.error(
                    "notification %s dead after %s attempts: %s",
                    message.pk,
                    message.attempts,
                    error,
                )
            else:
                retry_at = next_attempt(
                    now,
                    message.attempts,
                    settings.NOTIFICATION_RETRY_BASE_SECONDS,
                    settings.NOTIFICATION_RETRY_CAP_SECONDS,
                )
                mine.update(
                    status=OutboxStatus.QUEUED,
                    next_attempt_at=retry_at,
                    last_error=error,
                )
                counts["retry"] += 1
            continue
        mine.update(status=OutboxStatus.SENT, sent_at=now, last_error="")
        counts["sent"] += 1
    return counts


def outbox_replay_dead(*, ids, by, now: datetime) -> int:
    """Queue dead messages again, from the first attempt (admin "replay").

    Only rows still ``dead`` move (compare-and-set on the status): a replay
    clicked twice, or racing a sender, queues each message once. The
    ``dedupe_key`` (sent as ``Idempotency-Key``) is unchanged, so a receiver
    that did process an earlier attempt can recognise the repeat.
    """
    with transaction.atomic():
        replayed = Notification.objects.filter(
            id__in=list(ids), status=OutboxStatus.DEAD
        ).update(
            status=OutboxStatus.QUEUED,
            attempts=0,
            next_attempt_at=now,
        )
        if replayed:
            log.info("replayed %s dead notifications (by %s)", replayed, by)
            if settings.NOTIFICATION_KICK:
                transaction.on_commit(_kick_sender)
    return replayed
