"""Years chinesecalendar does not know (2027 here): holidays and make-up days
entered in the admin are used; a current or next year with neither is a
warning in the admin and in ``manage.py check``."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import local_time, order_payload
from workorders.models import CalendarOverride, StandardLimitRow
from workorders.selectors import policy_cache_clear
from workorders.workcalendar import WorkingCalendar, official_year_known

URL = "/api/v1/work-orders/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=False) as t:
        yield t


def spring_festival_2027():
    """Feb 8–12 2027 off, Saturday Feb 13 a make-up working day (as entered)."""
    for day in range(8, 13):
        CalendarOverride.objects.create(
            date=dt.date(2027, 2, day), is_working_day=False, note="春节"
        )
    CalendarOverride.objects.create(
        date=dt.date(2027, 2, 13), is_working_day=True, note="春节调休上班"
    )
    policy_cache_clear()


def check_output() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("check", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_the_package_does_not_know_2027():
    assert official_year_known(2026) and not official_year_known(2027)


def test_entered_2027_holidays_and_make_up_days_are_used(clock, crm):
    StandardLimitRow.objects.filter(kind="install").update(hours=24, counting="working")
    spring_festival_2027()
    clock.move_to(local_time(2027, 2, 5, 10, 0))  # a Friday
    body = crm.post(
        URL, order_payload(accepted_at=None, same_day_requested=False), format="json"
    ).json()
    # Fri 8 h, Mon–Fri off, Sat 13th (make-up) 10 h, Mon 15th 6 h
    assert body["deadline"] == "2027-02-15T14:00:00+08:00"


def test_without_entries_2027_is_monday_to_friday():
    calendar = WorkingCalendar()
    start = local_time(2027, 2, 5, 10, 0)
    assert calendar.add_working_hours(start, 24) == local_time(2027, 2, 9, 14, 0)


def test_manage_py_check_warns_about_a_year_with_no_calendar(clock):
    assert "workorders.W001" in check_output()
    assert "2027年" in check_output()
    spring_festival_2027()
    assert "workorders.W001" not in check_output()


def test_manage_py_check_names_the_current_and_the_next_year(clock):
    clock.move_to(local_time(2027, 6, 1, 9, 0))
    output = check_output()
    assert output.count("workorders.W001") == 2
    assert "2027年" in output and "2028年" in output


def test_the_admin_warns_until_the_year_is_entered(admin_client):
    page = admin_client.get("/admin/workorders/calendaroverride/", follow=True)
    assert "也没有录入2027年的节假日和调休上班日" in page.content.decode()
    spring_festival_2027()
    page = admin_client.get("/admin/workorders/calendaroverride/", follow=True)
    text = page.content.decode()
    assert "也没有录入2027年" not in text
    assert "2027年按此处录入的6条节假日和调休上班日计算" in text
