"""The reports pages in English (issue 14: they stayed mostly Chinese): no
Chinese is left but the data itself (district, group and people's names)."""

import re

import pytest

from tests.conftest import ORG, make_user

from .conftest import DAY
from .test_pages import orders  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]

HAN = re.compile(r"[\u4e00-\u9fff]+")
#: Names in the data: they stay as they are in any language.
DATA = {
    item["name"]
    for key in (
        "districts",
        "areas",
        "groups",
        "package_areas",
        "vendors",
        "technicians",
    )
    for item in ORG[key]
}


def _chinese_outside_data(html: str) -> list[str]:
    body = html.split("<main>", 1)[1]
    text = re.sub(r"<[^>]+>", " ", body)
    for name in sorted(DATA, key=len, reverse=True):
        text = text.replace(name, " ")
    return HAN.findall(text)


@pytest.mark.parametrize(
    "url",
    [
        f"/reports/quality/?period=day&date={DAY.isoformat()}",
        f"/reports/quality/?period=week&date={DAY.isoformat()}&by=technician",
        f"/reports/orders/?metric=repair_on_time_rate&period=day&date={DAY.isoformat()}",
        "/reports/warnings/",
        "/reports/stored/",
        "/compensation/audit/",
    ],
)
def test_a_reports_page_in_english_has_no_chinese_but_the_data(
    client,
    orders,  # noqa: F811
    url,
):
    client.force_login(make_user("m1", "manager"))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert _chinese_outside_data(response.content.decode()) == []


def test_the_spreadsheet_stays_chinese_when_asked_in_english(
    client,
    orders,  # noqa: F811
):
    import io

    import openpyxl

    client.force_login(make_user("m1", "manager"))
    response = client.get(
        "/api/v1/reports/quality/",
        {"period": "day", "date": DAY.isoformat(), "format": "xlsx"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:3] == ["区局编码", "区局", "受理工单数"]
