"""``/healthz/jobs``: every beat job's last success, overdue jobs named, 503."""

import datetime as dt

import pytest
import time_machine

from complaints.tasks import scan as complaints_scan
from dispatch.tasks import auto_dispatch
from monitoring import rules
from monitoring.models import JobRun
from network_faults.tasks import detect as detect_faults
from notifications.tasks import send_outbox
from sla.tasks import scan as sla_scan
from tests.conftest import local_time

T0 = local_time(2026, 11, 20, 10, 0, 0)


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.mark.django_db
def test_sla_scan_without_success_for_3_minutes_is_overdue_until_it_runs(client, org):
    # given: monitoring starts watching at T0 (the first look makes the rows)
    with time_machine.travel(T0, tick=False):
        first = client.get("/healthz/jobs")
    assert first.status_code == 200
    assert first.json()["jobs"]["sla.scan"] == {
        "last_started": None,
        "last_success": None,
        "last_failure": None,
        "overdue_after_seconds": 180,
        "overdue": False,
    }
    # the other minute jobs run at 2:00 (the worker runs them for real)
    with time_machine.travel(_at(120), tick=False):
        for task in (complaints_scan, auto_dispatch, send_outbox, detect_faults):
            assert task.apply().successful()
    # when: sla.scan has not succeeded for 2:59, then for 3:00
    with time_machine.travel(_at(179), tick=False):
        assert client.get("/healthz/jobs").status_code == 200
    with time_machine.travel(_at(180), tick=False):
        late = client.get("/healthz/jobs")
    # then: 503, naming sla.scan and only it
    assert late.status_code == 503
    assert late.json()["status"] == "error"
    assert late.json()["overdue"] == ["sla.scan"]
    assert late.json()["detail"] == "overdue: sla.scan"
    assert late.json()["jobs"]["sla.scan"]["overdue"] is True
    assert late.json()["jobs"]["dispatch.auto_dispatch"]["overdue"] is False
    # when it runs, it is healthy again
    with time_machine.travel(_at(181), tick=False):
        assert sla_scan.apply().successful()
        healthy = client.get("/healthz/jobs")
    assert healthy.status_code == 200
    job = healthy.json()["jobs"]["sla.scan"]
    assert job["overdue"] is False
    assert job["last_success"] == _at(181).isoformat()
    assert job["last_started"] == _at(181).isoformat()
    # 3 minutes after that success it is overdue again (and so, by then,
    # are the other minute jobs, last run at 2:00)
    with time_machine.travel(_at(181 + 179), tick=False):
        assert (
            client.get("/healthz/jobs").json()["jobs"]["sla.scan"]["overdue"] is False
        )
    with time_machine.travel(_at(181 + 180), tick=False):
        assert client.get("/healthz/jobs").json()["overdue"] == [
            "complaints.scan",
            "dispatch.auto_dispatch",
            "network_faults.detect",
            "notifications.send_outbox",
            "sla.scan",
        ]


@pytest.mark.django_db
def test_a_failing_run_is_recorded_and_is_no_success(client, org):
    with time_machine.travel(T0, tick=False):
        client.get("/healthz/jobs")
    with time_machine.travel(_at(60), tick=False):
        result = sla_scan.apply(kwargs={"batch": "not a number"})
    assert result.failed()
    row = JobRun.objects.get(name="sla.scan")
    assert (row.runs, row.failures) == (1, 1)
    assert row.last_failure_at == _at(60)
    assert row.last_success_at is None
    assert row.last_error.startswith("TypeError")
    with time_machine.travel(_at(180), tick=False):
        late = client.get("/healthz/jobs")
    assert late.status_code == 503 and "sla.scan" in late.json()["overdue"]
    assert late.json()["jobs"]["sla.scan"]["last_failure"] == _at(60).isoformat()


@pytest.mark.django_db
def test_healthz_jobs_reports_the_outbox_backlog_and_dead_letters(client, org):
    from notifications.models import Notification, OutboxStatus

    for i, status in enumerate(["queued", "queued", "sending", "sent", "dead"]):
        Notification.objects.create(
            channel="sms",
            recipient="13900000000",
            topic="t",
            body="b",
            dedupe_key=f"k{i}",
            status=status,
            next_attempt_at=_at(i),
            created_at=T0,
        )
    with time_machine.travel(T0, tick=False):
        outbox = client.get("/healthz/jobs").json()["outbox"]
    assert outbox == {"backlog": 3, "oldest_due": T0.isoformat(), "dead": 1}
    assert OutboxStatus.DEAD == "dead"


@pytest.mark.django_db
def test_healthz_stays_the_web_processs_own_check_when_a_job_is_overdue(client, org):
    with time_machine.travel(T0, tick=False):
        client.get("/healthz/jobs")
    with time_machine.travel(_at(3600), tick=False):
        assert client.get("/healthz/jobs").status_code == 503
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_the_overdue_limit_is_editable_per_job(client, org):
    with time_machine.travel(T0, tick=False):
        client.get("/healthz/jobs")
    JobRun.objects.filter(name="sla.scan").update(overdue_after_seconds=600)
    JobRun.objects.exclude(name="sla.scan").update(overdue_after_seconds=None)
    with time_machine.travel(_at(599), tick=False):
        assert client.get("/healthz/jobs").status_code == 200
    with time_machine.travel(_at(600), tick=False):
        assert client.get("/healthz/jobs").json()["overdue"] == ["sla.scan"]


@pytest.mark.parametrize(
    ("schedules", "seconds"),
    [
        ([60.0], 180),
        ([600.0], 1800),
        ([60.0, 600.0], 180),
    ],
)
def test_default_overdue_limits_from_intervals(schedules, seconds):
    assert rules.default_overdue_after(schedules) == seconds


def test_default_overdue_limits_from_crontabs():
    from celery.schedules import crontab

    day = 24 * 3600
    assert rules.default_overdue_after([crontab(hour=0, minute=30)]) == day + 7200
    weekly = crontab(hour=7, minute=10, day_of_week=1)
    monthly = crontab(hour=7, minute=20, day_of_month=1)
    assert rules.default_overdue_after([weekly]) == 7 * day + 7200
    assert rules.default_overdue_after([monthly]) == 31 * day + 7200
    assert rules.default_overdue_after([monthly, weekly]) == 7 * day + 7200


def test_exactly_the_limit_is_overdue():
    since = T0
    kwargs = {"last_success": None, "watched_since": since, "overdue_after": 180}
    assert not rules.is_overdue(now=_at(179.999), **kwargs)
    assert rules.is_overdue(now=_at(180), **kwargs)
    assert not rules.is_overdue(
        now=_at(10_000), last_success=None, watched_since=since, overdue_after=None
    )
