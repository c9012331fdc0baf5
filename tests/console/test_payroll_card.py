"""A technician sees their own month's pay on the phone page (issue 7)."""

import pytest
import time_machine

from org.models import Technician
from payroll.services import payroll_run_create, payroll_run_review
from tests.conftest import local_time, make_user

pytestmark = pytest.mark.django_db


def test_technician_page_shows_the_reviewed_month_only(client, org):
    manager = make_user("m1", "manager")
    with time_machine.travel(local_time(2026, 12, 2, 10), tick=False):
        run = payroll_run_create(month="2026-11", by=manager)
        client.force_login(Technician.objects.get(code="T1").user)
        assert (
            "计件工资" not in client.get("/console/tech/").content.decode()
        )  # a draft
        payroll_run_review(run, by=manager)
        page = client.get("/console/tech/").content.decode()
    assert "2026-11 计件工资" in page
    line = run.lines.get(technician__code="T1")
    assert f"合计 {line.total} 元" in page
