"""Weekly complaint analysis (周分析) for the quality meeting."""

import pytest

from tests.conftest import local_time

from .conftest import new_order, open_complaint

pytestmark = pytest.mark.django_db

ANALYSIS = "/api/v1/complaints/analysis/"


def counts(rows):
    return {r["code"]: r["count"] for r in rows if r["count"]}


def test_weekly_counts_with_the_previous_week(hotline, crm, manager, clock):
    # given three complaints this week (Mon 16 – Sun 22) and one the week before
    clock.move_to(local_time(2026, 11, 20, 12, 0))
    order_id = new_order(crm, accepted_at="2026-11-20T09:00:00+08:00")
    open_complaint(
        hotline, received_at="2026-11-09T08:00:00+08:00", phone="13900000001"
    )
    open_complaint(
        hotline, received_at="2026-11-16T00:00:00+08:00", phone="13900000001"
    )
    open_complaint(
        hotline,
        channel="media",
        category="marketing_channel",
        sub_category="tariff_dispute",
        received_at="2026-11-18T10:00:00+08:00",
        phone="13900000002",
    )
    open_complaint(hotline, work_order=order_id, sub_category="repair_delay")
    open_complaint(
        hotline, received_at="2026-11-15T23:59:59+08:00", phone="13900000003"
    )

    body = manager.get(f"{ANALYSIS}?week=2026-11-16").json()

    assert (body["week"], body["start"], body["end"]) == (
        "2026-11-16",
        "2026-11-16T00:00:00+08:00",
        "2026-11-23T00:00:00+08:00",
    )
    assert body["total"] == 3
    assert counts(body["by_category"]) == {"service_support": 2, "marketing_channel": 1}
    assert counts(body["by_sub_category"]) == {
        "install_delay": 1,
        "tariff_dispute": 1,
        "repair_delay": 1,
    }
    assert len(body["by_sub_category"]) == 16  # every sub-item, zeros included
    assert counts(body["by_channel"]) == {"hotline_10000": 2, "media": 1}
    assert (body["repeat"], body["escalated"]) == (1, 1)  # the 2nd call within 30 days
    assert (body["work_order_linked"], body["work_order_share"]) == (1, 0.3333)
    previous = body["previous"]
    assert (previous["week"], previous["total"], previous["work_order_share"]) == (
        "2026-11-09",
        2,
        0.0,
    )


def test_an_empty_week_has_no_share(manager):
    body = manager.get(f"{ANALYSIS}?week=2026-11-16").json()
    assert (body["total"], body["work_order_share"]) == (0, None)


@pytest.mark.parametrize(
    "week", ["2026-11-17", "16/11/2026", "", "0001-01-01", "0007-01-01"]
)
def test_the_week_must_be_a_monday(manager, week):
    response = manager.get(f"{ANALYSIS}?week={week}")
    assert response.status_code == 400 and "week" in response.json()


def test_hotline_agents_do_not_see_the_analysis(hotline):
    assert hotline.get(f"{ANALYSIS}?week=2026-11-16").status_code == 403
