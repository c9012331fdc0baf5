"""网络故障报表: the API, the page and the xlsx agree (SPEC §13)."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine

from network_faults.services import fault_declare, fault_intercept_call, fault_restore
from tests.conftest import client_for, local_time, make_user
from workorders.services import CustomerIn, OrderIn

from .helpers import repair

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/network-faults/"


@pytest.fixture
def month_with_a_fault(org):
    by = make_user("d-rep", "dispatcher")
    start = local_time(2026, 11, 16, 10, 0)
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="光缆中断",
        started_at=start,
        by=by,
        now=start,
    )
    for i in range(3):
        repair(start + dt.timedelta(minutes=i))
    fault_intercept_call(
        fault,
        data=OrderIn(
            source="hotline",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name="来电", phone="13811112222"),
            address="x",
            package_area="P1",
            accepted_at=start + dt.timedelta(minutes=5),
        ),
        by=by,
        now=start + dt.timedelta(minutes=5),
    )
    repair(start, package_area="P3")  # an individual repair in D2
    restored = local_time(2026, 11, 17, 1, 0)  # past midnight: 慢必赔 10 yuan each
    fault_restore(fault, restored_at=restored, by=by, now=restored)
    return fault


def test_report_counts_faults_links_interceptions_and_compensation(month_with_a_fault):
    manager = client_for(make_user("mgr-rep", "manager"))
    with time_machine.travel(local_time(2026, 11, 20, 9, 0), tick=False):
        body = manager.get(URL, {"period": "month", "date": "2026-11-16"}).json()
    d1 = next(r for r in body["rows"] if r["key"] == "D1")["metrics"]
    assert d1["faults"] == 1 and d1["faults_restored"] == 1
    assert d1["restore_hours_avg"] == 15.0
    assert d1["linked_repairs"] == 4 and d1["intercepted"] == 1
    assert d1["interception_rate"] == 0.25
    assert d1["network_compensation"] == "40.00"
    assert d1["installer_repairs"] == 0
    d2 = next(r for r in body["rows"] if r["key"] == "D2")["metrics"]
    assert d2["installer_repairs"] == 1 and d2["interception_rate"] is None
    assert body["totals"]["linked_repairs"] == 4


def test_report_xlsx_and_page_show_the_same_numbers(month_with_a_fault, client):
    manager_user = make_user("mgr-rep2", "manager")
    with time_machine.travel(local_time(2026, 11, 20, 9, 0), tick=False):
        xlsx = client_for(manager_user).get(
            URL, {"period": "month", "date": "2026-11-16", "format": "xlsx"}
        )
        client.force_login(manager_user)
        page = client.get(
            "/reports/network-faults/", {"period": "month", "date": "2026-11-16"}
        )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[2]]
    d1 = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "D1")
    assert d1[header.index("拦截率")] == 0.25
    assert d1[header.index("网络原因慢必赔(元)")] == 40.0
    assert page.status_code == 200 and "网络故障报表" in page.content.decode()


def test_scoped_manager_sees_their_district_only(month_with_a_fault):
    scoped = client_for(make_user("mgr-d2", "manager", district="D2"))
    with time_machine.travel(local_time(2026, 11, 20, 9, 0), tick=False):
        body = scoped.get(URL, {"period": "month", "date": "2026-11-16"}).json()
    assert [r["key"] for r in body["rows"]] == ["D2"]
    assert body["totals"]["faults"] == 0


def test_hotline_agent_cannot_read_the_report(org):
    assert client_for(make_user("ag-rep", "hotline_agent")).get(URL).status_code == 403
