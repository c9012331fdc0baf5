"""Two beats: only the holder of the leader lock publishes; the other stands by."""

import datetime as dt

import pytest
import time_machine
from celery.beat import Scheduler
from django.core.management import CommandError, call_command

from dispatch_center.celery import app
from monitoring import services
from monitoring.beat import LeaderLock, LeaderMixin
from tests.conftest import local_time

T0 = local_time(2026, 11, 20, 10, 0, 0)


class RecordingScheduler(LeaderMixin, Scheduler):
    """Celery's in-memory scheduler, recording instead of publishing."""

    def __init__(self, *args, **kwargs):
        self.published = []
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        self.data = {}
        self.update_from_dict({"sla.scan": {"task": "sla.scan", "schedule": 60.0}})
        for entry in self.data.values():  # last ran 5 minutes ago: due now
            entry.last_run_at = self.app.now() - dt.timedelta(minutes=5)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.published.append(entry.task)
        entry = self.reserve(entry) if advance else entry
        return None


def _scheduler() -> RecordingScheduler:
    return RecordingScheduler(app=app, lazy=False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_beats_publishes_and_the_standby_takes_over():
    first, second = _scheduler(), _scheduler()
    try:
        # both tick with the job due: the first takes the lock and publishes
        first.tick()
        assert second.tick() == second.standby_seconds
        assert second.tick() == second.standby_seconds
        assert first._leader_lock().held and not second._leader_lock().held
        assert first.published == ["sla.scan"]
        assert second.published == []
        # when the leader goes away (its session ends), the standby leads
        first.close()
        second.tick()
        assert second.published == ["sla.scan"]
        assert second._leader_lock().held
    finally:
        first._leader_lock().release()
        second._leader_lock().release()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_is_held_by_one_session_at_a_time():
    one, two = LeaderLock(), LeaderLock()
    try:
        assert one.acquire() is True
        assert one.acquire() is True  # still the leader
        assert two.acquire() is False
        one.release()
        assert two.acquire() is True
        assert one.acquire() is False
    finally:
        one.release()
        two.release()


def test_on_sqlite_the_only_beat_always_leads(settings):
    from django.db import connections

    if connections["default"].vendor != "sqlite":
        pytest.skip("the SQLite run checks the embedded demo's beat")
    assert LeaderLock().acquire() is True


@pytest.mark.django_db
def test_jobs_check_for_the_beat_container(org):
    with time_machine.travel(T0, tick=False):
        with pytest.raises(CommandError, match="no beat published"):
            call_command("jobs_check", beat=180)
        services.job_sent("sla.scan")
    with time_machine.travel(T0 + dt.timedelta(seconds=180), tick=False):
        call_command("jobs_check", beat=180)
    with time_machine.travel(T0 + dt.timedelta(seconds=181), tick=False):
        with pytest.raises(CommandError):
            call_command("jobs_check", beat=180)
        with pytest.raises(CommandError, match="overdue: .*sla.scan"):
            call_command("jobs_check")
