"""Dead callbacks can be replayed from the admin (docs/api.md, callbacks)."""

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    Message,
    notifications_enqueue,
    outbox_deliver_due,
    outbox_replay_dead,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/notifications/notification/"


def _callback(key, status):
    now = timezone.now()
    notifications_enqueue(
        [
            Message(
                channel="crm_callback",
                recipient="http://127.0.0.1:9/callback",
                topic="crm_status",
                body=key,
                dedupe_key=key,
                payload={"crm_order_id": key, "status": "dispatched"},
            )
        ],
        now=now,
    )
    row = Notification.objects.get(dedupe_key=key)
    Notification.objects.filter(pk=row.pk).update(
        status=status, attempts=8, last_error="URLError: refused"
    )
    return row.pk


@pytest.fixture(autouse=True)
def _quiet(settings):
    settings.NOTIFICATION_KICK = False
    settings.NOTIFICATION_GATEWAY = "notifications.gateways.LoggingGateway"


def test_the_admin_action_queues_dead_callbacks_again_from_the_first_attempt(
    django_user_model,
):
    dead = _callback("crm:1", "dead")
    sent = _callback("crm:2", "sent")
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("root", password="x"))
    response = admin.post(
        CHANGELIST,
        {"action": "replay_dead", "_selected_action": [dead, sent]},
        follow=True,
    )
    assert "已重新排队 1 条发送失败的消息。" in response.content.decode()
    row = Notification.objects.get(pk=dead)
    assert (row.status, row.attempts, row.dedupe_key) == ("queued", 0, "crm:1")
    assert Notification.objects.get(pk=sent).status == "sent"  # untouched
    # delivered by the next sender run
    assert outbox_deliver_due(now=timezone.now())["sent"] == 1
    assert Notification.objects.get(pk=dead).status == "sent"


def test_replaying_twice_queues_once():
    dead = _callback("crm:3", "dead")
    now = timezone.now()
    assert outbox_replay_dead(ids=[dead], by=None, now=now) == 1
    assert outbox_replay_dead(ids=[dead], by=None, now=now) == 0
