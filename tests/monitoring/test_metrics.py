"""``/metrics``: Prometheus text behind a token, the figures the issue names."""

import pytest
import time_machine

from sla.tasks import scan as sla_scan
from tests.conftest import local_time, order_payload

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


@pytest.mark.django_db
def test_metrics_need_the_token(client, settings, metrics_token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401
    settings.METRICS_TOKEN = ""
    unset = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert unset.status_code == 404


@pytest.mark.django_db
def test_metrics_names_and_values(client, crm, metrics_token):
    # given: one open order past its internal deadline, one sla.scan run,
    # one request answered by a named view
    with time_machine.travel(local_time(2026, 11, 20, 15, 31), tick=False):
        created = crm.post("/api/v1/work-orders/", order_payload(), format="json")
    assert created.status_code == 201
    with time_machine.travel(local_time(2026, 11, 21, 0, 0, 1), tick=False):
        assert sla_scan.apply().successful()
        assert client.get("/healthz").status_code == 200
        # when
        text = _scrape(client)
    # then
    assert 'dispatch_http_request_duration_seconds_bucket{le="0.3",' in text
    assert 'view="healthz"' in text
    assert 'dispatch_task_duration_seconds_count{task="sla.scan"} 1.0' in text
    assert 'dispatch_task_duration_seconds_sum{task="sla.scan"}' in text
    assert 'dispatch_task_runs_total{task="sla.scan"} 1.0' in text
    assert 'dispatch_task_failures_total{task="sla.scan"} 0.0' in text
    assert 'dispatch_open_orders{state="pending"} 1.0' in text
    assert 'dispatch_open_orders{state="on_site"} 0.0' in text
    assert "dispatch_sla_breaches_open 1.0" in text
    assert "dispatch_outbox_backlog " in text
    assert "dispatch_outbox_dead 0.0" in text
    assert 'dispatch_job_overdue{task="sla.scan"} 0.0' in text
    assert "# TYPE dispatch_pass_seconds gauge" in text


@pytest.mark.django_db
def test_dispatch_pass_time_is_the_last_pass(client, org, metrics_token):
    from dispatch.tasks import auto_dispatch

    assert auto_dispatch.apply().successful()
    text = _scrape(client)
    line = next(x for x in text.splitlines() if x.startswith("dispatch_pass_seconds "))
    assert 0 <= float(line.split()[1]) < 60


def test_tasks_are_routed_one_queue_per_concern():
    from dispatch_center.celery import app

    route = app.amqp.router.route
    assert route({}, "sla.scan")["queue"].name == "sla"
    assert route({}, "complaints.scan")["queue"].name == "sla"
    assert route({}, "compensation.scan")["queue"].name == "sla"
    assert route({}, "dispatch.auto_dispatch")["queue"].name == "dispatch"
    assert route({}, "notifications.send_outbox")["queue"].name == "notifications"
    assert route({}, "reports.rollup")["queue"].name == "reports"
    assert route({}, "reports.publish")["queue"].name == "reports"


def test_a_worker_without_q_consumes_every_queue():
    # run.sh starts one worker with no -Q: it must serve all the concerns
    from dispatch_center.celery import app

    assert set(app.amqp.queues.consume_from) == {
        "celery",
        "sla",
        "dispatch",
        "notifications",
        "reports",
    }
