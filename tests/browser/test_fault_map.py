"""The dispatcher desk's map with network faults (SPEC §13, issue 15): a
confirmed and a suspected fault drawn as pins at their package areas, in
their status colours, with a tooltip leading to the fault page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import OperationalError, connection

from network_faults.services import fault_declare, faults_detect
from org.services import org_import
from tests.conftest import ORG, make_user
from tests.network_faults.helpers import repair
from workorders.rules import LOCAL_TZ

from .conftest import ARTIFACTS
from .test_console_flow import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morning():
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(10, 0), tzinfo=LOCAL_TZ)
    with time_machine.travel(start, tick=True):
        yield start


@pytest.fixture
def faults(transactional_db, chromium, morning):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except OperationalError:
        connection.close()  # ended by the previous browser test's clean-up
    org_import(ORG)
    by = make_user("disp1", "dispatcher")
    confirmed = fault_declare(
        package_areas=["P1"],
        cause="OLT 板卡故障",
        started_at=morning - dt.timedelta(hours=1),
        eta=morning + dt.timedelta(hours=3),
        by=by,
        now=morning,
    )
    for i in range(3):
        repair(morning - dt.timedelta(minutes=30 - i), package_area="P1")
    for i in range(5):
        repair(morning - dt.timedelta(minutes=20 - i), package_area="P3")
    [suspected] = faults_detect(now=morning)
    return confirmed, suspected


def test_the_desk_map_draws_the_faults_with_their_tooltip(
    chromium, live_server, faults, shot
):
    confirmed, suspected = faults
    page = login(
        chromium,
        live_server.url,
        "disp1",
        "pass-disp1",
        viewport={"width": 1440, "height": 900},
    )
    page.keyboard.press("m")
    page.locator("#map[data-faults]").wait_for()
    assert page.locator("#map").get_attribute("data-faults") == "2"
    series = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map')).getOption()"
        ".series.map(s => [s.name, s.data.length, s.itemStyle.color, s.symbol])"
    )
    by_name = {name: (n, colour, symbol) for name, n, colour, symbol in series}
    assert by_name["疑似网络故障"] == (1, "#9c36b5", "pin")
    assert by_name["已确认网络故障"] == (1, "#a61e4d", "pin")

    # hovering the confirmed fault's pin shows its number, status, cause,
    # ETA, linked count and the link to its page
    x, y = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map'))"
        ".convertToPixel({seriesName: '已确认网络故障'}, [119.22, 34.60])"
    )
    panel = page.locator("#map-panel")
    panel.scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y - 18)
    tip = page.locator("#map div", has_text=confirmed.number).last
    tip.wait_for()
    text = tip.inner_text()
    for expected in (
        confirmed.number,
        "已确认",
        "OLT 板卡故障",
        "关联工单：3",
        "打开故障页",
    ):
        assert expected in text
    eta = f"{confirmed.eta.astimezone(LOCAL_TZ):%m-%d %H:%M}"
    assert eta in text
    assert tip.get_by_role("link", name="打开故障页").get_attribute("href") == (
        f"/console/faults/{confirmed.pk}/"
    )
    panel.screenshot(path=str(ARTIFACTS / "desk-map-faults.png"))
    shot(page, "desk-map-faults")

    # a click on the suspected fault's pin opens its page
    x, y = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map'))"
        ".convertToPixel({seriesName: '疑似网络故障'}, [119.25, 34.30])"
    )
    page.mouse.move(box["x"] + x, box["y"] + y - 18)
    page.locator("#map div", has_text=suspected.number).last.wait_for()
    page.mouse.click(box["x"] + x, box["y"] + y - 18)
    page.wait_for_url(f"**/console/faults/{suspected.pk}/")
    assert suspected.number in page.locator("h1").inner_text()
