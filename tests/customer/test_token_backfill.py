"""The customer_token migration's fill at province scale: every order whose
page can still open gets its own token; millions of long-closed kept orders
are left alone (their page would be past its time anyway)."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.db import connection

from tests.conftest import local_time, make_user
from workorders.models import WorkOrder
from workorders.services import CustomerIn, OrderIn, work_order_create

pytestmark = pytest.mark.django_db

NOW = local_time(2026, 12, 7, 10, 0)
migration = importlib.import_module("workorders.migrations.0014_customer_token")


def order(phone, **ended):
    created, _ = work_order_create(
        data=OrderIn(
            source="hotline",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name="客户", phone=phone),
            address="通灌北路 1 号",
            package_area="P1",
            accepted_at=NOW - dt.timedelta(days=400),
        ),
        by=make_user(f"agent-{phone}", "hotline_agent"),
        now=NOW - dt.timedelta(days=400),
    )
    WorkOrder.objects.filter(pk=created.pk).update(customer_token=None, **ended)
    return created.pk


def test_open_and_recent_orders_get_a_token_old_kept_ones_do_not(org):
    edge = NOW - dt.timedelta(days=migration.FILL_WITHIN_DAYS)
    open_order = order("13900000001")
    recent = order("13900000002", completed_at=NOW - dt.timedelta(days=10))
    at_edge = order("13900000003", completed_at=edge)
    cancelled = order("13900000004", cancelled_at=NOW - dt.timedelta(days=3))
    old = order("13900000005", completed_at=edge - dt.timedelta(seconds=1))
    editor = SimpleNamespace(connection=connection)  # what migrate passes
    with time_machine.travel(NOW, tick=False):
        migration.fill_tokens(apps, editor)
        tokens = dict(WorkOrder.objects.values_list("pk", "customer_token"))
        migration.fill_tokens(apps, editor)  # idempotent: a rerun changes nothing
    assert dict(WorkOrder.objects.values_list("pk", "customer_token")) == tokens
    filled = [tokens[pk] for pk in (open_order, recent, at_edge, cancelled)]
    assert all(t and len(t) >= 32 for t in filled) and len(set(filled)) == 4
    assert tokens[old] is None
