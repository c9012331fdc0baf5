"""The shortcuts of the intake's hot path give what Django gives (issue 18).

* ``InsertPlan`` prepares a row's values without ``get_db_prep_save`` where
  that call returns the value itself: the values must equal Django's, field
  for field, on real rows (order, history row, timeline line);
* ``OrderIn.fingerprint`` builds its JSON without ``asdict``: the hash must
  be the one stored orders carry;
* ``WorkOrder.get_status_display`` skips Django's per-call hashing: the same
  label in either language;
* ``role_permission`` returns one class per set of roles: it still refuses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from dataclasses import asdict

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.utils import translation

from dispatch_center.history import history_linked
from dispatch_center.inserts import PARENT_ID, FromParent, InsertPlan
from dispatch_center.permissions import role_permission
from tests.conftest import local_time, order_payload
from workorders.models import Status, WorkOrder
from workorders.services import CustomerIn, OrderIn
from workorders.services.events import event_linked

NOW = local_time(2026, 11, 20, 17, 0)

pytestmark = pytest.mark.django_db


def _plain(value):
    """A JSON adapter (psycopg's ``Json``) by what it wraps."""
    return getattr(value, "adapted", value)


def _django(plan: InsertPlan, values: dict) -> list:
    return [
        _plain(f.get_db_prep_save(values[f.attname], connection=connection))
        for f in plan.fields
    ]


@pytest.fixture
def order(crm):
    with time_machine.travel(NOW, tick=False):
        response = crm.post(
            "/api/v1/work-orders/", order_payload(accepted_at=None), format="json"
        )
    assert response.status_code == 201, response.json()
    return WorkOrder.objects.get(pk=response.json()["id"])


def test_an_orders_values_are_djangos(order):
    plan = InsertPlan(WorkOrder)
    order.pk = None  # as before its insert
    with time_machine.travel(NOW, tick=False):
        ours = [_plain(v) for v in plan.values_of(order, connection)]
        theirs = _django(
            plan, {f.attname: f.pre_save(order, True) for f in plan.fields}
        )
    assert ours == theirs


def test_history_and_event_values_are_djangos(order, crm_user):
    for linked in (
        history_linked(order, by=crm_user, at=NOW, reason="依据"),
        event_linked(
            kind="created", by=crm_user, now=NOW, to_status="pending", data={"a": 1}
        ),
    ):
        values = linked.values(order) if callable(linked.values) else linked.values
        # the markers: the order's new key, and copies of its own columns
        values = {
            k: order.pk
            if v is PARENT_ID
            else getattr(order, v.attname)
            if isinstance(v, FromParent)
            else v
            for k, v in values.items()
        }
        ours = [_plain(v) for v in linked.plan.values_from(values, connection)]
        assert ours == _django(linked.plan, values)


def test_values_django_must_convert_go_through_django(order):
    plan = InsertPlan(WorkOrder)
    order.pk = None
    order.status = Status.PENDING  # a str subclass
    order.completed_at = dt.datetime(2026, 11, 20, 18, 0)  # naive: Django warns
    order.paused_seconds = True  # a bool where an int goes
    with time_machine.travel(NOW, tick=False), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = [_plain(v) for v in plan.values_of(order, connection)]
        theirs = _django(
            plan, {f.attname: f.pre_save(order, True) for f in plan.fields}
        )
    assert ours == theirs


def test_an_expression_is_refused(order):
    order.pk = None
    order.urge_count = F("urge_count") + 1
    with pytest.raises(TypeError, match="expression"):
        InsertPlan(WorkOrder).values_of(order, connection)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "accepted_at": local_time(2026, 11, 20, 15, 30),
            "appointment_start": local_time(2026, 11, 21, 9, 0),
            "appointment_end": local_time(2026, 11, 21, 10, 0),
            "lat": None,
            "description": "光猫 “红灯”",
        },
        {"extra": {"nested": [1, {"a": dt.date(2026, 1, 1)}]}},
    ],
)
def test_the_fingerprint_is_the_json_of_asdict(overrides):
    data = OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=CustomerIn(name="王女士", phone="13912345678", account="ACC-1"),
        address="通灌北路 1 号",
        package_area="P1",
        crm_order_id="CRM-1",
        **overrides,
    )
    before = hashlib.sha256(
        json.dumps(
            asdict(data), sort_keys=True, default=str, ensure_ascii=False
        ).encode()
    ).hexdigest()
    assert data.fingerprint() == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_status_label_is_djangos(language):
    field = WorkOrder._meta.get_field("status")
    with translation.override(language):
        for value in [*Status.values, "no-such-status"]:
            order = WorkOrder(status=value)
            assert order.get_status_display() == order._get_FIELD_display(field)


def test_one_permission_class_per_set_of_roles_still_refuses(crm, dispatcher):
    assert role_permission("crm", "dispatcher") is role_permission("crm", "dispatcher")
    assert role_permission("crm") is not role_permission("dispatcher")
    # the CRM may create but not dispatch; the dispatcher may do both
    response = crm.post("/api/v1/dispatch/run/", {}, format="json")
    assert response.status_code == 403
