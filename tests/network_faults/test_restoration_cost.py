"""A restoration's cost in statements does not grow with its linked repairs
(5,000 linked repairs are one action, SPEC §13; bench/network_faults.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.models import Claim
from network_faults.services import fault_declare, fault_restore
from tests.conftest import local_time, make_user

from .helpers import repair

pytestmark = pytest.mark.django_db

T0 = local_time(2026, 11, 16, 9, 0)


def restore_with(n, cause, by):
    fault = fault_declare(
        package_areas=["P1"], product="", cause=cause, started_at=T0, by=by, now=T0
    )
    orders = [repair(T0 + dt.timedelta(minutes=1 + i)) for i in range(n)]
    restored_at = local_time(2026, 11, 17, 8, 0)  # a day late: every one is owed
    with CaptureQueriesContext(connection) as queries:
        fault_restore(fault, restored_at=restored_at, by=by, now=restored_at)
    assert Claim.objects.filter(work_order__in=orders).count() == n
    return len(queries)


def test_restoring_six_repairs_costs_the_statements_of_restoring_two(org, settings):
    # the policies and SMS templates are read once a process, as in production
    # (the suite reads them afresh by default)
    settings.POLICY_CACHE_SECONDS = 30
    by = make_user("disp-cost", "dispatcher")
    two = restore_with(2, "断电", by)
    six = restore_with(6, "光缆被挖断", by)
    assert six == two
