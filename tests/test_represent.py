"""``represent(cls, obj)`` answers exactly ``cls(obj).data`` (issue 18).

Every order action answers through it (``WorkOrderViewSet._respond``), from
one bound serializer per process; the output must not differ in any field,
whatever state the order is in, in either language, and serializers it
cannot replay (their own ``to_representation``, a dict) go through DRF.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from rest_framework import serializers

from dispatch_center.serializers import represent
from tests.conftest import local_time, order_payload
from workorders.api.serializers import (
    CustomerSerializer,
    EventSerializer,
    WorkOrderSerializer,
)
from workorders.models import Customer, WorkOrder, WorkOrderEvent

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 17, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(client, url, body=None):
    response = client.post(url, body or {}, format="json")
    assert response.status_code in (200, 201, 202), response.json()
    return response.json()


@pytest.fixture
def orders(clock, crm, dispatcher, tech1, hotline):
    """Orders in many states: pending, through the lifecycle, cancelled,
    with an appointment, a repair linked to a network fault."""
    pending = _post(crm, URL, order_payload(crm_order_id="S-1"))["id"]
    done = _post(crm, URL, order_payload(crm_order_id="S-2"))["id"]
    _post(dispatcher, f"{URL}{done}/dispatch/", {"technician": "T1"})
    _post(tech1, f"{URL}{done}/accept/")
    _post(
        tech1,
        f"{URL}{done}/contact/",
        {
            "appointment_start": "2026-11-20T19:00:00+08:00",
            "appointment_end": "2026-11-20T20:00:00+08:00",
        },
    )
    _post(tech1, f"{URL}{done}/arrive/")
    clock.shift(dt.timedelta(hours=1))
    _post(
        tech1, f"{URL}{done}/complete/", {"resolution": "onsite", "delay_cause": None}
    )
    cancelled = _post(crm, URL, order_payload(crm_order_id="S-3"))["id"]
    _post(crm, f"{URL}{cancelled}/cancel/", {"reason": "客户取消"})
    _post(
        dispatcher,
        "/api/v1/network-faults/",
        {
            "package_areas": ["P3"],
            "product": None,
            "cause": "光缆中断",
            "started_at": (NOW - dt.timedelta(hours=1)).isoformat(),
            "eta": (NOW + dt.timedelta(hours=4)).isoformat(),
        },
    )
    linked = _post(
        hotline,
        URL,
        order_payload(
            crm_order_id="S-4",
            kind="repair",
            source="hotline",
            package_area="P3",
            accepted_at=None,
            customer={"phone": "13700000001", "level": "gold"},
        ),
    )
    assert linked["network_fault"] is not None
    return [pending, done, cancelled, linked["id"]]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_order_is_represented_as_its_serializer_does(orders, language):
    with translation.override(language):
        for order in WorkOrder.objects.filter(pk__in=orders).select_related(
            "customer", "package_area", "group", "district", "technician"
        ):
            expected = WorkOrderSerializer(order).data
            got = represent(WorkOrderSerializer, order)
            assert got == expected
            assert list(got) == list(expected)  # the same order of keys
            assert got["customer"] == CustomerSerializer(order.customer).data


def test_the_api_answers_what_the_serializer_gives(orders, crm):
    for order_id in orders:
        answer = crm.get(f"{URL}{order_id}/").json()  # DRF's retrieve
        order = WorkOrder.objects.get(pk=order_id)
        assert answer == represent(WorkOrderSerializer, order)


def test_other_serializers_and_missing_relations(orders):
    event = WorkOrderEvent.objects.filter(order_id=orders[1]).last()
    assert represent(EventSerializer, event) == EventSerializer(event).data
    unsaved = WorkOrder(customer=Customer.objects.first(), status="pending")
    assert represent(WorkOrderSerializer, unsaved) == WorkOrderSerializer(unsaved).data


def test_a_serializer_with_its_own_representation_goes_through_drf():
    class Shouting(serializers.Serializer):
        name = serializers.CharField()

        def to_representation(self, instance):
            return {"name": instance["name"].upper()}

    assert represent(Shouting, {"name": "a"}) == {"name": "A"}


def test_a_dict_goes_through_drf():
    class Plain(serializers.Serializer):
        name = serializers.CharField()

    assert represent(Plain, {"name": "a"}) == {"name": "a"}
