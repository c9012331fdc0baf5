"""The manager's pages: dashboard, drill-down, warnings, stored reports."""

import datetime as dt

import pytest

from reports import services
from tests.conftest import make_user

from .conftest import DAY, at, order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]


def login(client, *roles, username="u1", district=None):
    user = make_user(username, *roles, district=district)
    client.force_login(user)
    return user


@pytest.fixture
def orders():
    on_time = order(deadline=at(DAY, 18), completed_at=at(DAY, 17))
    late = order(deadline=at(DAY, 18), completed_at=at(DAY, 19))
    other = order(
        package_area="P3",
        technician="T3",
        deadline=at(DAY, 18),
        completed_at=at(DAY, 9),
    )
    return on_time, late, other


def test_the_dashboard_renders_for_a_manager(client, orders):
    login(client, "manager")
    page = client.get("/reports/quality/", {"period": "day", "date": DAY.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "质量分析" in html and "障碍修复及时率" in html and "66.67%" in html
    assert "/static/vendor/echarts-5.6.0.min.js" in html
    assert 'id="trend-data"' in html and "指标口径" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing remote
    home = client.get("/", follow=True).content.decode()
    assert "质量分析" in home and "定时报表" in home


def test_a_technician_gets_403(client):
    login(client, "technician", username="t9")
    assert client.get("/reports/quality/").status_code == 403
    assert client.get("/reports/orders/?metric=urges").status_code == 403
    assert "质量分析" not in client.get("/").content.decode()


def test_the_reports_root_leads_to_the_dashboard(client):
    login(client, "manager")
    response = client.get("/reports/?period=week")
    assert response.status_code == 302
    assert response["Location"] == "/reports/quality/?period=week"


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/reports/quality/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bad_parameters_are_a_400_page(client):
    login(client, "manager")
    page = client.get("/reports/quality/", {"period": "year"})
    assert page.status_code == 400 and "period" in page.content.decode()


def test_drill_down_lists_the_orders_behind_a_rate(client, orders):
    on_time, late, other = orders
    login(client, "manager")
    page = client.get(
        "/reports/orders/",
        {
            "metric": "repair_on_time_rate",
            "period": "day",
            "date": DAY.isoformat(),
            "by": "district",
            "key": "D1",
        },
    )
    assert page.status_code == 200
    rows = {r["order"].number: r["counted"] for r in page.context["records"]}
    assert rows == {on_time.number: True, late.number: False}
    assert other.number not in page.content.decode()


def test_the_dashboard_links_each_figure_to_its_records(client, orders):
    login(client, "manager")
    html = client.get(
        "/reports/quality/",
        {"period": "day", "date": DAY.isoformat(), "by": "technician"},
    ).content.decode()
    assert "/reports/orders/?metric=repair_on_time_rate&amp;period=day" in html
    assert "key=T3" in html


def test_a_district_scoped_manager_drills_into_their_district_only(client, orders):
    login(client, "manager", district="D2")
    page = client.get(
        "/reports/orders/",
        {"metric": "orders_completed", "period": "day", "date": DAY.isoformat()},
    )
    assert [r["order"].number for r in page.context["records"]] == [orders[2].number]


def test_the_page_exports_the_same_xlsx(client, orders):
    login(client, "manager")
    response = client.get(
        "/reports/quality/",
        {"period": "day", "date": DAY.isoformat(), "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_stored_reports_are_listed_and_downloaded_within_scope(client, orders):
    login(client, "manager", username="city")
    make_user("d1", "manager", district="D1")
    services.report_publish("day", now=at(DAY + dt.timedelta(days=1), 7))
    page = client.get("/reports/stored/")
    assert page.status_code == 200
    reports = list(page.context["page"].object_list)
    assert len(reports) == 2  # the city's and D1's
    download = client.get(f"/reports/stored/{reports[0].pk}/xlsx/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    client.logout()
    login(client, "manager", username="d2", district="D2")
    assert list(client.get("/reports/stored/").context["page"].object_list) == []
    assert client.get(f"/reports/stored/{reports[0].pk}/xlsx/").status_code == 404


def test_the_warnings_page(client, orders):
    login(client, "manager")
    page = client.get("/reports/warnings/")
    assert page.status_code == 200 and "质量预警" in page.content.decode()
