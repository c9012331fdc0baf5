"""GET /api/v1/reports/quality/: the contract, bad input, roles, scope, xlsx."""

import io
from decimal import Decimal

import openpyxl
import pytest

from reports import rules, services
from tests.conftest import client_for, make_user

from .conftest import DAY, QUALITY, at, claim, day_report, order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]


@pytest.fixture
def data():
    for area, tech in (("P1", "T1"), ("P2", "T2"), ("P3", "T3")):
        late = order(
            package_area=area,
            technician=tech,
            is_same_day=True,
            deadline=at(DAY, 12),
            completed_at=at(DAY, 13),
        )
        order(package_area=area, technician=tech, completed_at=at(DAY, 11))
        claim(late, "10.00")


def test_the_answer_has_the_shape_of_api_md(manager, data):
    report = day_report(manager, by="district", period="week")
    assert {"period", "start", "end", "by", "rows", "totals", "previous"} <= set(report)
    assert (report["period"], report["start"], report["end"], report["by"]) == (
        "week",
        "2026-11-16",
        "2026-11-22",
        "district",
    )
    assert [r["key"] for r in report["rows"]] == ["D1", "D2"]
    assert set(report["rows"][0]) == {"key", "name", "metrics"}
    assert set(rules.CONTRACT_KEYS) <= set(report["totals"])
    assert report["totals"]["repair_on_time_rate"] == 0.5
    assert report["totals"]["compensation_amount"] == "30.00"
    assert (report["previous"]["start"], report["previous"]["end"]) == (
        "2026-11-09",
        "2026-11-15",
    )
    # no orders the week before; its rows hold the technicians' rest weeks
    assert report["previous"]["totals"]["orders_received"] == 0
    assert report["previous"]["totals"]["rest_compliance_rate"] == 0.0
    for key in rules.RATE_KEYS:
        value = report["totals"][key]
        assert value is None or 0 <= value <= 1, key


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year"}, "period"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "20261116"}, "date"),
        ({"date": "1899-01-01"}, "date"),
        ({"by": "city"}, "by"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, params, field):
    response = manager.get(QUALITY, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_defaults_are_this_month_by_district(manager, clock):
    report = manager.get(QUALITY).json()
    assert (report["period"], report["start"], report["by"]) == (
        "month",
        "2026-11-01",
        "district",
    )


def test_technicians_and_the_crm_may_not_read_reports(org):
    for role, username in (("technician", "t9"), ("crm", "crm9"), ("finance", "f9")):
        client = client_for(make_user(username, role))
        assert client.get(QUALITY).status_code == 403, role


def test_supervisors_and_dispatchers_may_read(org):
    for role in ("supervisor", "dispatcher"):
        client = client_for(make_user(f"{role}9", role))
        assert client.get(QUALITY).status_code == 200


def test_a_district_scoped_manager_sees_only_that_district(data):
    scoped = client_for(make_user("mgr_d2", "manager", district="D2"))
    report = day_report(scoped, by="technician")
    assert [r["key"] for r in report["rows"]] == ["T3"]
    assert report["totals"]["orders_completed"] == 2
    services.rollup_day(DAY)
    rolled = day_report(scoped, by="technician")
    assert (rolled["rows"], rolled["totals"]) == (report["rows"], report["totals"])


def test_xlsx_holds_the_same_numbers_as_the_json(manager, data):
    services.rollup_day(DAY)
    params = {"period": "day", "date": DAY.isoformat(), "by": "technician"}
    report = manager.get(QUALITY, params).json()
    response = manager.get(QUALITY, {**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["本期按装维工程师", "上期按装维工程师", "说明"]
    sheet = list(book["本期按装维工程师"].iter_rows(values_only=True))
    header, body, total = sheet[0], sheet[1:-1], sheet[-1]
    labels = [m.label for m in rules.METRICS]
    assert list(header) == ["装维工程师编码", "装维工程师", *labels]
    assert total[0] == "合计"

    def same(cells, metrics):
        for metric, cell in zip(rules.METRICS, cells, strict=True):
            value = metrics[metric.key]
            if metric.kind == rules.MONEY:
                assert Decimal(str(cell)) == Decimal(value), metric.key
            else:
                assert cell == value, metric.key

    assert [(row[0], row[1]) for row in body] == [
        (r["key"], r["name"]) for r in report["rows"]
    ]
    for row, json_row in zip(body, report["rows"], strict=True):
        same(row[2:], json_row["metrics"])
    same(total[2:], report["totals"])
    rate_column = 2 + labels.index("障碍修复及时率") + 1
    assert book["本期按装维工程师"].cell(2, rate_column).number_format == "0.00%"
