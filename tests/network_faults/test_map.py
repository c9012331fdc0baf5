"""Network faults on the dispatcher desk's map (/console/dispatch/map/):
suspected and confirmed faults at their package areas, within the user's
districts and the desk's filters, with what the tooltip shows."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from network_faults.services import (
    fault_close,
    fault_declare,
    fault_restore,
    faults_detect,
)
from org.models import District, PackageArea
from tests.conftest import local_time, make_user

from .helpers import repair

pytestmark = pytest.mark.django_db

NOW = local_time(2026, 11, 16, 10, 0)
MAP = "/console/dispatch/map/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def faults(org):
    by = make_user("fault-owner", "dispatcher")

    def declare(areas, cause):
        return fault_declare(
            package_areas=areas,
            cause=cause,
            started_at=NOW - dt.timedelta(hours=1),
            eta=NOW + dt.timedelta(hours=3),
            by=by,
            now=NOW,
        )

    d1 = declare(["P1"], "OLT 板卡故障")
    d2 = declare(["P3"], "光缆中断")
    both = declare(["P1", "P3"], "汇聚交换机故障")
    ended = declare(["P1"], "已恢复的故障")
    fault_restore(ended, by=by, now=NOW)
    closed = declare(["P2"], "已关闭的故障")
    fault_restore(closed, by=by, now=NOW)
    fault_close(closed, by=by, now=NOW)
    for i in range(5):
        repair(NOW - dt.timedelta(minutes=20 - i), package_area="P2")
    [suspected] = faults_detect(now=NOW)
    return {"d1": d1, "d2": d2, "both": both, "suspected": suspected}


def drawn(client, **query):
    response = client.get(MAP, query)
    assert response.status_code == 200
    return {f["number"]: f for f in response.json()["faults"]}


def areas(fault):
    return [a["code"] for a in fault["areas"]]


def test_a_city_wide_dispatcher_sees_every_open_fault_at_its_package_areas(faults):
    found = drawn(as_user(make_user("disp-city", "dispatcher")))
    assert set(found) == {f.number for f in faults.values()}
    assert areas(found[faults["both"].number]) == ["P1", "P3"]
    assert found[faults["both"].number]["areas"][0] | {"name": ""} == {
        "code": "P1",
        "name": "",
        "lat": 34.60,
        "lng": 119.22,
    }
    confirmed = found[faults["d1"].number]
    assert confirmed == {
        "id": faults["d1"].pk,
        "number": faults["d1"].number,
        "status": "confirmed",
        "status_display": "已确认",
        "cause": "OLT 板卡故障",
        "eta": "11-16 13:00",
        "linked": 0,
        "url": f"/console/faults/{faults['d1'].pk}/",
        "areas": [{"code": "P1", "name": "通灌小区", "lat": 34.60, "lng": 119.22}],
    }
    suspected = found[faults["suspected"].number]
    assert (suspected["status"], suspected["linked"], suspected["eta"]) == (
        "suspected",
        5,
        "",
    )


def test_a_district_dispatcher_sees_only_faults_touching_the_district(faults):
    d1 = drawn(as_user(make_user("disp-d1", "dispatcher", district="D1")))
    assert set(d1) == {
        faults["d1"].number,
        faults["both"].number,
        faults["suspected"].number,
    }
    # the fault across two districts: only its package area in this one
    assert areas(d1[faults["both"].number]) == ["P1"]
    d2 = drawn(as_user(make_user("disp-d2", "dispatcher", district="D2")))
    assert set(d2) == {faults["d2"].number, faults["both"].number}
    assert areas(d2[faults["both"].number]) == ["P3"]
    # asking for the other district's filter shows nothing of it (the filter
    # is not among a D1 dispatcher's choices: it is dropped)
    other = District.objects.get(code="D2").pk
    d1b = as_user(make_user("disp-d1b", "dispatcher", district="D1"))
    asked = drawn(d1b, district=other)
    assert faults["d2"].number not in asked
    assert areas(asked[faults["both"].number]) == ["P1"]


def test_the_desk_filters_narrow_the_faults(faults):
    city = as_user(make_user("disp-city2", "dispatcher"))
    d2 = District.objects.get(code="D2").pk
    found = drawn(city, district=d2)
    assert set(found) == {faults["d2"].number, faults["both"].number}
    assert areas(found[faults["both"].number]) == ["P3"]


def test_a_fault_without_coordinates_is_not_drawn_and_others_cannot_read_the_map(
    faults,
):
    PackageArea.objects.filter(code="P3").update(lat=None, lng=None)
    found = drawn(as_user(make_user("disp-city3", "dispatcher")))
    assert faults["d2"].number not in found
    assert areas(found[faults["both"].number]) == ["P1"]
    agent = as_user(make_user("agent-map", "hotline_agent"))
    assert agent.get(MAP).status_code == 403
