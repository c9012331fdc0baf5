"""计件工资台: runs by month, lines and piece items, review, lock, recompute
into a new version with the diff, vendor settlement, xlsx; finance reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from payroll.models import PayrollRun, RunStatus
from payroll.services import payroll_run_create
from tests.conftest import local_time, make_user
from tests.payroll.conftest import DEC_3, make_order, penalty, set_base

pytestmark = pytest.mark.django_db

DESK = "/console/payroll/"


@pytest.fixture
def clock():
    with time_machine.travel(DEC_3, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def november(org, clock):
    """Two technicians with November work beyond their base (T2 is a vendor's)."""
    set_base("T1", "1")
    set_base("T2", "1")
    for day in (2, 3, 4):
        make_order("T1", completed_at=local_time(2026, 11, day, 11))
        make_order("T2", completed_at=local_time(2026, 11, day, 15))
    return "2026-11"


def test_a_manager_computes_reviews_and_locks_a_month(november):
    manager = as_user(make_user("mgr1", "manager"))
    response = manager.post(f"{DESK}compute/", {"month": november})
    run = PayrollRun.objects.get(month=november)
    assert response["Location"] == f"{DESK}runs/{run.pk}/"
    page = manager.get(response["Location"]).content.decode()
    assert 'data-technician="T1"' in page and "外包结算" in page
    assert "某通服公司" in page  # T2's vendor settled with the same model

    manager.post(f"{DESK}runs/{run.pk}/do/review/")
    manager.post(f"{DESK}runs/{run.pk}/do/lock/")
    run.refresh_from_db()
    assert run.status == RunStatus.LOCKED and run.locked_by.username == "mgr1"
    page = manager.get(f"{DESK}runs/{run.pk}/").content.decode()
    assert "已锁定" in page and "审核通过" not in page


def test_locking_a_draft_is_refused_with_a_message(november):
    manager_user = make_user("mgr1", "manager")
    run = payroll_run_create(month=november, by=manager_user)
    manager = as_user(manager_user)
    response = manager.post(f"{DESK}runs/{run.pk}/do/lock/", follow=True)
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT
    assert '<li class="error">' in response.content.decode()


def test_recompute_makes_a_new_version_and_shows_the_diff(november):
    manager_user = make_user("mgr1", "manager")
    first = payroll_run_create(month=november, by=manager_user)
    manager = as_user(manager_user)
    manager.post(f"{DESK}runs/{first.pk}/do/review/")
    manager.post(f"{DESK}runs/{first.pk}/do/lock/")
    # given a penalty published after the lock
    penalty("T1", "30.00", month=november)
    # when the manager recomputes the month
    response = manager.post(f"{DESK}runs/{first.pk}/do/recompute/")
    second = PayrollRun.objects.get(month=november, version=2)
    assert response["Location"] == f"{DESK}runs/{second.pk}/diff/?against={first.pk}"
    # then the locked run is untouched and the diff names T1's penalty
    first.refresh_from_db()
    assert first.status == RunStatus.LOCKED
    page = manager.get(response["Location"]).content.decode()
    assert '<strong id="diff-changed">1</strong>' in page
    assert 'data-technician="T1"' in page and 'data-technician="T2"' not in page
    assert "扣罚" in page and "30.00" in page
    # (the penalty's complaint also lowers T1's quality grade)
    assert second.penalties == first.penalties + Decimal("30.00")
    assert f'<strong id="diff-delta">{second.total - first.total}</strong>' in page
    # and the new version cannot be locked: the month is paid once
    manager.post(f"{DESK}runs/{second.pk}/do/review/")
    response = manager.post(f"{DESK}runs/{second.pk}/do/lock/", follow=True)
    second.refresh_from_db()
    assert second.status == RunStatus.REVIEWED
    assert '<li class="error">' in response.content.decode()


def test_a_line_shows_its_piece_items(november):
    manager_user = make_user("mgr1", "manager")
    run = payroll_run_create(month=november, by=manager_user)
    line = run.lines.get(technician__code="T1")
    page = as_user(manager_user).get(f"{DESK}runs/{run.pk}/lines/{line.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<tr>") == 1 + 3  # header + the three November orders


def test_finance_reads_but_cannot_operate(november):
    run = payroll_run_create(month=november, by=make_user("mgr1", "manager"))
    finance = as_user(make_user("fin1", "finance"))
    page = finance.get(f"{DESK}runs/{run.pk}/").content.decode()
    assert "某通服公司" in page and "审核通过" not in page
    assert finance.post(f"{DESK}runs/{run.pk}/do/review/").status_code == 403
    assert finance.post(f"{DESK}compute/", {"month": "2026-11"}).status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT
    xlsx = finance.get(f"{DESK}runs/{run.pk}/export/")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_district_scoped_manager_reads_its_district_only(november):
    run = payroll_run_create(month=november, by=make_user("mgr1", "manager"))
    scoped = as_user(make_user("mgr2", "manager", district="D2"))
    page = scoped.get(f"{DESK}runs/{run.pk}/").content.decode()
    assert 'data-technician="T1"' not in page  # T1 works in D1
    scoped.post(f"{DESK}runs/{run.pk}/do/review/")
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT


def test_a_future_month_is_refused_on_the_form(org, clock):
    manager = as_user(make_user("mgr1", "manager"))
    response = manager.post(f"{DESK}compute/", {"month": "2027-01"}, follow=True)
    assert '<li class="error">' in response.content.decode()
    assert not PayrollRun.objects.exists()


def test_other_roles_get_403(org, clock):
    for role in ("dispatcher", "hotline_agent", "technician", "department_handler"):
        client = as_user(make_user("u-" + role, role))
        assert client.get(DESK).status_code == 403


def test_runs_are_listed_by_month(november):
    manager_user = make_user("mgr1", "manager")
    payroll_run_create(month=november, by=manager_user)
    payroll_run_create(month=november, by=manager_user)
    page = as_user(manager_user).get(DESK, {"month": november}).content.decode()
    assert 'data-run="2026-11-v1"' in page and 'data-run="2026-11-v2"' in page
