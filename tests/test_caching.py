"""The per-process caches of the hot paths, and serializers that build their
fields once per class: fast, and never serving what they should not."""

from __future__ import annotations

import pytest

from dispatch_center import caching
from dispatch_center.caching import ProcessCache
from org.models import Area
from org.services import org_import
from tests.conftest import ORG, order_payload
from workorders.api.serializers import WorkOrderSerializer
from workorders.models import WorkOrder

URL = "/api/v1/work-orders/"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def mono(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(caching.time, "monotonic", clock)
    return clock


def test_a_value_is_kept_for_the_configured_seconds_then_reloaded(settings, mono):
    settings.POLICY_CACHE_SECONDS = 30
    cache = ProcessCache("POLICY_CACHE_SECONDS")
    loads = []

    def load():
        loads.append(mono.now)
        return len(loads)

    assert cache.get("k", load) == 1
    mono.now += 29.9
    assert cache.get("k", load) == 1
    mono.now += 0.1  # 30 s after the load: stale
    assert cache.get("k", load) == 2
    assert loads == [1000.0, 1030.0]


def test_zero_seconds_turns_the_cache_off(settings, mono):
    settings.POLICY_CACHE_SECONDS = 0
    cache = ProcessCache("POLICY_CACHE_SECONDS")
    values = iter(range(10))
    assert [cache.get("k", lambda: next(values)) for _ in range(3)] == [0, 1, 2]


def test_nothing_found_is_not_remembered(settings, mono):
    settings.POLICY_CACHE_SECONDS = 30
    cache = ProcessCache("POLICY_CACHE_SECONDS")
    assert cache.get("k", lambda: None) is None
    assert cache.get("k", lambda: "found") == "found"


def test_a_flood_of_keys_starts_the_cache_over(settings, mono):
    settings.POLICY_CACHE_SECONDS = 30
    cache = ProcessCache("POLICY_CACHE_SECONDS", max_entries=3)
    for key in "abc":
        cache.get(key, lambda key=key: key)
    cache.get("d", lambda: "d")
    assert cache.get("a", lambda: "reloaded") == "reloaded"
    assert cache.get("d", lambda: "reloaded") == "d"


# --- the package area on the intake path ---------------------------------------


def test_a_package_area_imported_after_a_refusal_is_accepted_at_once(crm, settings):
    settings.POLICY_CACHE_SECONDS = 300
    body = order_payload(crm_order_id="CRM-NEW-1", package_area="P9")
    refused = crm.post(URL, body, format="json")
    assert refused.status_code == 400
    assert "P9" in refused.json()["package_area"][0]

    org = {
        **ORG,
        "package_areas": [
            *ORG["package_areas"],
            {"code": "P9", "name": "新小区", "group": "G1", "lat": 34.6, "lng": 119.2},
        ],
    }
    org_import(org)
    created = crm.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["package_area"] == "P9"


def test_an_area_change_reaches_intake_within_the_cache_period(crm, settings, mono):
    settings.POLICY_CACHE_SECONDS = 300

    def same_day(n: int) -> bool:
        body = order_payload(crm_order_id=f"C-{n}", package_area="P4")
        response = crm.post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()["is_same_day"]

    assert same_day(1) is False  # rural 杨集 without the commitment
    Area.objects.filter(code="A3").update(same_day_enabled=True)
    mono.now += 299
    assert same_day(2) is False  # this process still has the old area
    mono.now += 2
    assert same_day(3) is True


# --- serializers building their fields once per class --------------------------


def test_the_order_answer_is_the_same_from_a_warm_serializer(crm):
    order_id = crm.post(URL, order_payload(), format="json").json()["id"]
    order = WorkOrder.objects.select_related(
        "customer", "package_area", "group", "district", "technician"
    ).get(pk=order_id)
    first = WorkOrderSerializer(order).data
    order.address = "另一个地址"
    second = WorkOrderSerializer(order).data
    assert second["address"] == "另一个地址"
    assert {k: v for k, v in second.items() if k != "address"} == {
        k: v for k, v in first.items() if k != "address"
    }
    # each instance binds its own copies: the prototype stays unbound
    fields = WorkOrderSerializer().fields
    assert (
        fields["customer"].parent is not WorkOrderSerializer().fields["customer"].parent
    )
    assert all(
        getattr(f, "parent", None) is None
        for f in WorkOrderSerializer._fields_prototype.values()
    )


def test_a_list_answer_gives_each_nested_customer_its_own_fields(crm, dispatcher):
    for n in range(3):
        crm.post(
            URL,
            order_payload(crm_order_id=f"L-{n}", customer={"phone": f"1391234560{n}"}),
            format="json",
        )
    rows = dispatcher.get(URL).json()["results"]
    assert sorted(r["customer"]["phone"] for r in rows) == [
        "13912345600",
        "13912345601",
        "13912345602",
    ]
