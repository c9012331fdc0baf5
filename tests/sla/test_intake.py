"""What intake adds for the SLA control: repeat faults, working-hour limits,
the first next-check time; and the calendar warning in the admin."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import local_time, order_payload
from workorders.models import (
    CalendarOverride,
    ServicePolicy,
    StandardLimitRow,
    WorkOrder,
)
from workorders.selectors import policy_cache_clear

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 10, 0)
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "COMMIT", "ROLLBACK")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def repair(client, **overrides):
    payload = order_payload(
        **{
            "crm_order_id": "",
            "source": "hotline",
            "kind": "repair",
            "accepted_at": None,
            **overrides,
        }
    )
    response = client.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def repaired(client, **overrides) -> dict:
    body = repair(client, **overrides)
    done = client.post(
        f"{URL}{body['id']}/complete/", {"resolution": "remote"}, format="json"
    )
    assert done.status_code == 200, done.json()
    return body


# --- repeat faults (重复障碍) -----------------------------------------------------


@pytest.mark.parametrize(
    ("days_later", "overrides", "repeat"),
    [
        (29, {}, True),
        (30, {}, True),  # exactly 30 days after the completion
        (31, {}, False),
        (3, {"product": "itv_hd"}, False),  # another product
        (3, {"customer": {"phone": "13900000001"}}, False),  # another customer
    ],
)
def test_repeat_fault_is_flagged_at_intake(
    clock, hotline, days_later, overrides, repeat
):
    repaired(hotline)
    clock.shift(dt.timedelta(days=days_later))
    assert repair(hotline, **overrides)["is_repeat_fault"] is repeat


def test_an_install_after_a_repair_is_no_repeat_fault(clock, hotline, crm):
    repaired(hotline)
    clock.shift(dt.timedelta(days=1))
    body = crm.post(URL, order_payload(accepted_at=None), format="json").json()
    assert body["is_repeat_fault"] is False


def test_an_open_previous_repair_is_no_repeat_fault(clock, hotline):
    repair(hotline)  # not completed yet: a duplicate report, not a repeat fault
    clock.shift(dt.timedelta(hours=1))
    assert repair(hotline)["is_repeat_fault"] is False


def test_the_repeat_fault_window_is_configurable(clock, hotline):
    ServicePolicy.objects.update(repeat_fault_days=7)
    repaired(hotline)
    clock.shift(dt.timedelta(days=8))
    assert repair(hotline)["is_repeat_fault"] is False


def test_repair_for_a_known_customer_still_costs_at_most_six_statements(
    clock, hotline, settings
):
    # the previous-repair lookup rides on the customer query (a subquery)
    settings.POLICY_CACHE_SECONDS = 300
    repaired(hotline)
    clock.shift(dt.timedelta(days=2))
    with CaptureQueriesContext(connection) as ctx:
        body = repair(hotline)
    assert body["is_repeat_fault"] is True
    work = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]
    assert len(work) <= 6, "\n".join(work)


# --- the SLA clock starts at intake ----------------------------------------------


def test_a_new_order_has_its_internal_deadline_and_first_check(crm):
    body = crm.post(URL, order_payload(accepted_at=None), format="json").json()
    order = WorkOrder.objects.get(pk=body["id"])
    assert body["sla_deadline"] == body["deadline"] == "2026-11-20T23:59:59+08:00"
    # 80 % of 10:00 → 23:59:59 is used at 21:11:59.2
    assert order.sla_next_check_at == local_time(2026, 11, 20, 21, 11, 59, 200000)


# --- standard limits in working hours ----------------------------------------------


@pytest.fixture
def installs_in_working_hours():
    StandardLimitRow.objects.filter(kind="install").update(hours=24, counting="working")
    policy_cache_clear()


def test_a_working_hour_limit_skips_the_golden_week(
    clock, crm, installs_in_working_hours
):
    clock.move_to(local_time(2026, 9, 30, 10, 0))
    body = crm.post(
        URL, order_payload(accepted_at=None, same_day_requested=False), format="json"
    ).json()
    # Sep 30: 8 h, Oct 1-7 holidays, Oct 8: 10 h, Oct 9: 6 h
    assert body["deadline"] == "2026-10-09T14:00:00+08:00"
    assert body["deadline_basis"] == "标准时限24工作小时"


def test_a_make_up_saturday_counts_as_a_working_day(
    clock, crm, installs_in_working_hours
):
    clock.move_to(local_time(2026, 10, 9, 10, 0))
    body = crm.post(
        URL, order_payload(accepted_at=None, same_day_requested=False), format="json"
    ).json()
    assert body["deadline"] == "2026-10-12T14:00:00+08:00"  # via Sat Oct 10


def test_a_local_override_moves_a_working_hour_deadline(
    clock, crm, installs_in_working_hours
):
    CalendarOverride.objects.create(
        date=dt.date(2026, 11, 23), is_working_day=False, note="地方停工"
    )
    policy_cache_clear()
    clock.move_to(local_time(2026, 11, 20, 10, 0))  # a Friday
    body = crm.post(
        URL, order_payload(accepted_at=None, same_day_requested=False), format="json"
    ).json()
    # Fri 8 h, Mon 23rd off by override, Tue 10 h, Wed 6 h
    assert body["deadline"] == "2026-11-25T14:00:00+08:00"


def test_same_day_deadlines_ignore_the_working_calendar(
    clock, crm, installs_in_working_hours
):
    clock.move_to(local_time(2026, 10, 1, 10, 0))  # National Day
    body = crm.post(URL, order_payload(accepted_at=None), format="json").json()
    assert (body["is_same_day"], body["deadline"]) == (
        True,
        "2026-10-01T23:59:59+08:00",
    )


# --- configuration -------------------------------------------------------------------


def test_the_admin_warns_that_next_years_calendar_is_missing(admin_client):
    response = admin_client.get("/admin/workorders/calendaroverride/", follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "不含2027年的国务院放假安排" in text


def test_the_policy_defaults_come_from_the_migration():
    policy = ServicePolicy.objects.get()
    assert (
        policy.warn_percent_used,
        policy.warn_minutes_before,
        policy.escalation_offsets_minutes,
        policy.urges_to_escalate,
        policy.repeat_fault_days,
    ) == (80, 60, [0, 120, 480], 2, 30)


@pytest.mark.parametrize("offsets", [[120, 0], [], [-5], "0,120"])
def test_escalation_offsets_must_be_increasing_minutes(offsets):
    policy = ServicePolicy.objects.get()
    policy.escalation_offsets_minutes = offsets
    with pytest.raises(ValidationError):
        policy.full_clean()
