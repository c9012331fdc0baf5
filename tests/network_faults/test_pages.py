"""Console pages: the faults panel, the fault page, hotline interception."""

import datetime as dt

import pytest
import time_machine

from network_faults.models import FaultStatus, NetworkFault
from network_faults.services import fault_declare, faults_detect
from tests.conftest import local_time, make_user
from workorders.models import Status, WorkOrder

from .helpers import repair

pytestmark = pytest.mark.django_db

NOW = local_time(2026, 11, 16, 10, 0)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def suspected(org):
    for i in range(5):
        repair(NOW - dt.timedelta(minutes=20 - i))
    [fault] = faults_detect(now=NOW)
    return fault


def test_dispatcher_desk_loads_the_faults_panel(client, suspected):
    client.force_login(make_user("d-page", "dispatcher"))
    desk = client.get("/console/dispatch/").content.decode()
    assert 'hx-get="/console/faults/panel/"' in desk
    panel = client.get("/console/faults/panel/").content.decode()
    assert suspected.number in panel and "确认故障" in panel
    assert 'hx-target="#faults-panel"' in panel and 'hx-swap="outerHTML"' in panel


def test_confirm_from_the_panel_then_restore_from_the_fault_page(client, suspected):
    client.force_login(make_user("d-page2", "dispatcher"))
    response = client.post(
        f"/console/faults/{suspected.pk}/confirm/",
        {"eta": "2026-11-16T14:00", "next": "/console/dispatch/"},
    )
    assert response.status_code == 302 and response["Location"] == "/console/dispatch/"
    suspected.refresh_from_db()
    assert suspected.status == FaultStatus.CONFIRMED
    assert suspected.eta == local_time(2026, 11, 16, 14, 0)

    page = client.get(f"/console/faults/{suspected.pk}/").content.decode()
    assert page.count('data-order="') == 5 and "故障地图" in page
    client.post(f"/console/faults/{suspected.pk}/restore/")
    assert set(
        WorkOrder.objects.filter(network_fault=suspected).values_list(
            "status", flat=True
        )
    ) == {Status.COMPLETED}


def test_dismiss_without_reason_is_refused_with_a_message(client, suspected):
    client.force_login(make_user("d-page3", "dispatcher"))
    response = client.post(f"/console/faults/{suspected.pk}/dismiss/", {}, follow=True)
    assert "请填写排除原因" in response.content.decode()
    suspected.refresh_from_db()
    assert suspected.status == FaultStatus.SUSPECTED


def test_hotline_lookup_shows_the_fault_first_and_intercepts_the_call(client, org):
    by = make_user("d-decl", "dispatcher")
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="PON口故障",
        started_at=NOW - dt.timedelta(hours=1),
        eta=local_time(2026, 11, 16, 15, 30),
        by=by,
        now=NOW,
    )
    earlier = repair(NOW - dt.timedelta(hours=2), phone="13955550000", now=NOW)
    client.force_login(make_user("agent-x", "hotline_agent"))

    desk = client.get("/console/hotline/?q=13955550000").content.decode()
    assert desk.index('id="fault-banner"') < desk.index('id="customer"')
    banner = client.get("/console/faults/hotline/?q=13955550000").content.decode()
    assert fault.number in banner and "11-16 15:30" in banner

    response = client.post(
        f"/console/faults/{fault.pk}/intercept/",
        {
            "phone": "13955550000",
            "name": "客户",
            "address": "通灌北路 1 号",
            "product": "ftth_broadband",
            "package_area": "P1",
        },
    )
    assert response.status_code == 302
    call = WorkOrder.objects.exclude(pk=earlier.pk).get(customer__phone="13955550000")
    assert call.network_fault_id == fault.pk and call.fault_intercepted
    assert call.status == Status.PENDING and call.fault_hold
    fault = NetworkFault.objects.get(pk=fault.pk)
    listed = client.get("/console/faults/hotline/?q=13955550000").content.decode()
    assert "无需重复记录" in listed


def test_scoped_dispatcher_sees_only_faults_of_their_district(client, org):
    by = make_user("d-all", "dispatcher")
    fault = fault_declare(package_areas=["P1"], cause="x", by=by, now=NOW)
    client.force_login(make_user("d-d2", "dispatcher", district="D2"))
    assert client.get(f"/console/faults/{fault.pk}/").status_code == 404
    assert fault.number not in client.get("/console/faults/panel/").content.decode()
    assert client.post(f"/console/faults/{fault.pk}/restore/").status_code == 404


def test_hotline_agent_cannot_open_the_panel(client, org):
    client.force_login(make_user("agent-y", "hotline_agent"))
    assert client.get("/console/faults/panel/").status_code == 403
