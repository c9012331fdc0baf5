"""A real Redis broker goes away mid-run: orders still flow, messages wait.

Starts its own ``redis-server`` on a free loopback port (so the suite's Redis
is untouched), points Celery at it, stops it, and starts it again.
"""

import os
import shutil
import signal
import socket
import subprocess
import time

import kombu.pools
import pytest
import redis
import time_machine

from dispatch_center.celery import app as celery_app
from notifications.models import Notification
from notifications.tasks import send_outbox
from tests.conftest import local_time, order_payload

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="redis-server is not installed"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.dir),
                "--pidfile",
                str(self.dir / "redis.pid"),
            ],
            check=True,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis did not start")

    def stop(self):
        pidfile = self.dir / "redis.pid"
        if not pidfile.exists():
            return
        os.kill(int(pidfile.read_text()), signal.SIGTERM)
        for _ in range(200):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis did not stop")

    def queued(self) -> int:
        # one Celery queue per concern (CELERY_TASK_ROUTES) besides the default
        client = redis.Redis(port=self.port)
        return sum(
            client.llen(q)
            for q in ("celery", "sla", "dispatch", "notifications", "reports")
        )


def _use_broker(url, options):
    """Point the Celery app at ``url`` (its connection pools are rebuilt)."""
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def broker(tmp_path, settings, monkeypatch):
    server = RedisServer(tmp_path)
    server.start()
    previous = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    settings.CELERY_BROKER_URL = server.url
    # Celery reads this variable before its own configuration
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    settings.NOTIFICATION_KICK = True
    settings.NOTIFICATION_KICK_SECONDS = (
        0  # every commit nudges: that is what is watched
    )
    _use_broker(server.url, settings.REDIS_TRANSPORT_OPTIONS)
    yield server
    _use_broker(*previous)
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_orders_flow_while_the_broker_is_down(broker, crm, dispatcher, client):
    with time_machine.travel(local_time(2026, 11, 20, 17, 0), tick=False):
        # broker up: the dispatch SMS nudges the sender through Redis
        first = crm.post(
            "/api/v1/work-orders/", order_payload(crm_order_id="UP"), format="json"
        )
        dispatcher.post(
            f"/api/v1/work-orders/{first.json()['id']}/dispatch/",
            {"technician": "T1"},
            format="json",
        )
        assert broker.queued() >= 1

        broker.stop()
        assert client.get("/healthz").status_code == 503
        started = time.monotonic()
        second = crm.post(
            "/api/v1/work-orders/",
            order_payload(crm_order_id="DOWN", customer={"phone": "13900000077"}),
            format="json",
        )
        assert second.status_code == 201
        dispatched = dispatcher.post(
            f"/api/v1/work-orders/{second.json()['id']}/dispatch/",
            {"technician": "T2"},
            format="json",
        )
        assert dispatched.status_code == 200, dispatched.json()
        assert time.monotonic() - started < 2  # no request waits on a dead broker
        waiting = Notification.objects.get(
            subject_id=second.json()["id"], topic="dispatch_sms"
        )
        assert waiting.status == "queued"

        broker.start()
        assert client.get("/healthz").status_code == 200
        counts = send_outbox.apply().get()  # what the beat job does each minute
        assert counts["sent"] >= 2
        waiting.refresh_from_db()
        assert waiting.status == "sent"
        assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
