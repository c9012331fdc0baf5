"""The outbox: once per event, retry with backoff, signed CRM callbacks."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.utils import timezone

from notifications import rules
from notifications.models import Notification
from notifications.services import Message, notifications_enqueue, outbox_deliver_due
from notifications.tasks import send_outbox
from tests.conftest import local_time, order_payload

NOW = local_time(2026, 11, 20, 10, 0)


class FlakyGateway:
    """Fails the first ``failures`` sends, then succeeds; remembers what it sent."""

    failures = 0
    sent: list[str] = []

    def send(self, notification):
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise TimeoutError("gateway timed out")
        FlakyGateway.sent.append(notification.dedupe_key)
        return "ok"


@pytest.fixture
def flaky(settings):
    settings.NOTIFICATION_GATEWAY = "tests.notifications.test_outbox.FlakyGateway"
    settings.NOTIFICATION_KICK = False
    FlakyGateway.failures = 0
    FlakyGateway.sent = []
    return FlakyGateway


def message(key="k1"):
    return Message(
        channel="sms", recipient="13900000000", topic="t", body="hello", dedupe_key=key
    )


@pytest.mark.django_db
def test_the_same_event_is_queued_once(flaky):
    notifications_enqueue([message(), message()], now=NOW)
    notifications_enqueue([message()], now=NOW)
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_delivered_once_even_if_the_job_runs_twice(flaky):
    notifications_enqueue([message("a"), message("b")], now=NOW)
    assert outbox_deliver_due(now=NOW) == {"sent": 2, "retry": 0, "dead": 0}
    assert outbox_deliver_due(now=NOW + dt.timedelta(hours=1))["sent"] == 0
    assert flaky.sent == ["a", "b"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_failures_are_retried_with_backoff(flaky, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    flaky.failures = 2
    notifications_enqueue([message()], now=NOW)
    assert outbox_deliver_due(now=NOW)["retry"] == 1
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "queued",
        1,
        NOW + dt.timedelta(seconds=60),
    )
    assert "timed out" in row.last_error
    assert (
        outbox_deliver_due(now=NOW + dt.timedelta(seconds=59))["retry"] == 0
    )  # not due yet
    assert outbox_deliver_due(now=NOW + dt.timedelta(seconds=60))["retry"] == 1
    row.refresh_from_db()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=180)  # 60 s, then 120 s
    assert outbox_deliver_due(now=NOW + dt.timedelta(seconds=180))["sent"] == 1
    assert flaky.sent == ["k1"]


@pytest.mark.django_db
def test_gives_up_after_the_maximum_attempts(flaky, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    flaky.failures = 5
    notifications_enqueue([message()], now=NOW)
    outbox_deliver_due(now=NOW)
    assert outbox_deliver_due(now=NOW + dt.timedelta(days=1))["dead"] == 1
    assert Notification.objects.get().status == "dead"


@pytest.mark.django_db
def test_a_crashed_sender_leaves_rows_that_are_claimed_again(flaky):
    notifications_enqueue([message()], now=NOW)
    Notification.objects.update(
        status="sending", next_attempt_at=NOW + dt.timedelta(minutes=5)
    )
    assert outbox_deliver_due(now=NOW)["sent"] == 0  # lease still held
    assert outbox_deliver_due(now=NOW + dt.timedelta(minutes=5))["sent"] == 1


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (7, 3600), (20, 3600)]
)
def test_backoff_rule(attempts, seconds):
    assert rules.next_attempt(NOW, attempts, 60, 3600) == NOW + dt.timedelta(
        seconds=seconds
    )


class _Recorder(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def crm_server():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/callback", _Recorder.received
    server.shutdown()


@pytest.mark.django_db
def test_crm_status_callbacks_are_signed(crm, dispatcher, crm_server, settings):
    url, received = crm_server
    settings.CRM_CALLBACK_URL = url
    settings.CRM_CALLBACK_SECRET = "s3cret"
    settings.NOTIFICATION_KICK = False
    with time_machine.travel(local_time(2026, 11, 20, 17, 0), tick=False):
        order_id = crm.post(
            "/api/v1/work-orders/", order_payload(), format="json"
        ).json()["id"]
        dispatcher.post(
            f"/api/v1/work-orders/{order_id}/dispatch/",
            {"technician": "T1"},
            format="json",
        )
        send_outbox.apply()
    callbacks = [json.loads(body) for _headers, body in received]
    assert [(c["crm_order_id"], c["status"], c["technician"]) for c in callbacks] == [
        ("CRM-20261120-0001", "dispatched", "T1")
    ]  # creation itself is the CRM's own act: no callback for it
    headers, body = received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Dispatch-Signature"] == expected
    assert Notification.objects.get(channel="crm_callback").status == "sent"


@pytest.mark.django_db
def test_send_outbox_task_uses_the_clock(flaky):
    notifications_enqueue([message()], now=timezone.now() + dt.timedelta(minutes=1))
    assert send_outbox.apply().get()["sent"] == 0
