"""The run service outside the API: the shell command, the admin, a race."""

import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection

from dispatch_center.errors import Conflict
from payroll.models import PayrollRun
from payroll.services import payroll_run_create
from tests.conftest import local_time

from .conftest import make_order, set_base


@pytest.mark.django_db
def test_the_shell_command_computes_a_version(org, clock, capsys):
    set_base("T1", "0")
    make_order("T1", completed_at=local_time(2026, 11, 3, 10))
    call_command("payroll_run", "2026-11")
    call_command("payroll_run", "2026-11")
    assert "2026-11 v2" in capsys.readouterr().out
    assert list(PayrollRun.objects.values_list("version", flat=True)) == [2, 1]
    with pytest.raises(CommandError, match="month"):
        call_command("payroll_run", "2026-13")


@pytest.mark.django_db
def test_admin_pages_render(org, clock, client):
    admin = User.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    make_order("T1", completed_at=local_time(2026, 11, 3, 10))
    run = payroll_run_create(month="2026-11", by=admin)
    for model in [
        "piecerate",
        "payrollpolicy",
        "qualitygrade",
        "certlevelpay",
        "technicianpay",
        "adjustment",
        "payrollrun",
        "payrollline",
        "payrollitem",
    ]:
        response = client.get(f"/admin/payroll/{model}/")
        assert response.status_code == 200, model
    page = client.get(f"/admin/payroll/payrollrun/{run.pk}/delete/")
    assert page.status_code == 200
    assert "计件工单" in page.content.decode()
    client.post(f"/admin/payroll/payrollrun/{run.pk}/delete/", {"post": "yes"})
    assert not PayrollRun.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_computations_never_share_a_version(org, clock):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions")
    for day in range(1, 20):
        make_order("T1", completed_at=local_time(2026, 11, day, 10))
    barrier = threading.Barrier(4)
    outcomes = []

    def compute():
        try:
            barrier.wait()
            run = payroll_run_create(month="2026-11", by=None)
            outcomes.append(run.version)
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=compute) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = sorted(v for v in outcomes if isinstance(v, int))
    assert versions == list(range(1, len(versions) + 1))  # unique, no gaps
    assert all(v == "conflict" for v in outcomes if not isinstance(v, int))
    assert PayrollRun.objects.count() == len(versions) >= 1
