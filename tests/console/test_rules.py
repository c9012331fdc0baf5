"""The countdown colour: table-driven, no database."""

import datetime as dt

import pytest

from console.rules import minutes_left, sla_tone, week_start
from tests.conftest import local_time

ACCEPTED = local_time(2026, 11, 20, 8, 0)
DEADLINE = local_time(2026, 11, 20, 18, 0)  # 10 h limit: 80 % used at 16:00


@pytest.mark.parametrize(
    "now,percent,minutes,suspended,tone",
    [
        (local_time(2026, 11, 20, 12, 0), 80, 60, False, "ok"),
        (local_time(2026, 11, 20, 16, 0), 80, 60, False, "warning"),  # 80 % used
        (local_time(2026, 11, 20, 17, 0), 0, 60, False, "warning"),  # 60 min left
        (local_time(2026, 11, 20, 16, 30), 0, 0, False, "ok"),  # warnings off
        (local_time(2026, 11, 20, 18, 0), 80, 60, False, "overdue"),
        (local_time(2026, 11, 20, 19, 0), 80, 60, True, "paused"),
    ],
)
def test_sla_tone(now, percent, minutes, suspended, tone):
    assert (
        sla_tone(
            now=now,
            accepted_at=ACCEPTED,
            sla_deadline=DEADLINE,
            warn_percent_used=percent,
            warn_minutes_before=minutes,
            suspended=suspended,
        )
        == tone
    )


def test_minutes_left_counts_whole_minutes_both_ways():
    assert minutes_left(DEADLINE - dt.timedelta(seconds=150), DEADLINE) == 2
    assert minutes_left(DEADLINE + dt.timedelta(seconds=150), DEADLINE) == -2


def test_week_starts_on_monday():
    assert week_start(dt.date(2026, 11, 22)) == dt.date(2026, 11, 16)
    assert week_start(dt.date(2026, 11, 16)) == dt.date(2026, 11, 16)
