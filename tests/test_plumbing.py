"""Bad input and faults, answered once for every view (issue 13).

- a NUL byte in a query or form: 400 naming the parameter (JSON on the API,
  a Chinese page on the console) instead of PostgreSQL's 500;
- filter values that mean nothing (``overdue=maybe``, ``page_size=abc``): 400
  naming the parameter instead of the whole list;
- the database unreachable: 503 with ``Retry-After``, JSON on the API, a
  Chinese page on the console, no traceback;
- request bodies are JSON only (issue 16): a form is a 415 that says so.
"""

import pytest
import yaml
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from tests.conftest import make_user, order_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_page(org):
    client = Client()
    client.force_login(make_user("agent", "hotline_agent"))
    return client


@pytest.fixture
def manager_page(org):
    client = Client()
    client.force_login(make_user("manager", "manager"))
    return client


def test_nul_in_a_console_search_is_a_400_page_naming_it(agent_page):
    response = agent_page.get("/console/hotline/?q=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "参数“q”" in page and "空字符" in page


def test_nul_in_a_report_filter_is_a_400_page(manager_page):
    response = manager_page.get("/reports/orders/?key=%00")
    assert response.status_code == 400
    assert "参数“key”" in response.content.decode()


def test_nul_in_a_console_form_is_a_400(agent_page):
    response = agent_page.post("/console/hotline/", {"q": "139\x00"})
    assert response.status_code == 400


def test_nul_in_an_api_query_is_a_400_naming_it(crm):
    response = crm.get("/api/v1/work-orders/?phone=139%00")
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]


def test_nul_in_a_json_body_is_a_400_naming_the_field(crm):
    response = crm.post(
        "/api/v1/work-orders/", order_payload(address="一号\x00"), format="json"
    )
    assert response.status_code == 400
    assert "address" in response.json()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("overdue=maybe", "overdue"),
        ("overdue=", "overdue"),
        ("kind=", "kind"),
        ("overdue=true", None),
        ("overdue=0", None),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=-5", "page_size"),
        ("page_size=1", None),
        ("page_size=501", None),  # capped at 500, as documented
        ("status=nonsense", "status"),
    ],
)
def test_list_filter_values_are_checked(crm, query, name):
    response = crm.get(f"/api/v1/work-orders/?{query}")
    if name is None:
        assert response.status_code == 200, response.json()
    else:
        assert response.status_code == 400
        assert name in response.json()


def test_complaint_yes_no_filters_refuse_other_words(crm, hotline):
    response = hotline.get("/api/v1/complaints/?escalated=perhaps")
    assert response.status_code == 400
    assert "escalated" in response.json()


def test_api_answers_503_json_with_retry_after_when_the_database_is_down(
    crm_user, settings
):
    from dispatch_center.auth import token_cache_clear
    from tests.conftest import client_for

    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    token_cache_clear()
    client = client_for(crm_user)
    client.raise_request_exception = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", _refuse)
        response = client.get("/api/v1/work-orders/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "database_unavailable"
    assert "Traceback" not in response.content.decode()


def _refuse(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


def test_console_answers_a_chinese_503_page_when_the_database_is_down(org):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("agent", "hotline_agent"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", _refuse)
        response = client.get("/console/hotline/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "系统暂时不可用" in page and "Traceback" not in page


def test_a_form_body_on_the_api_is_a_415_that_asks_for_json(crm):
    response = crm.post("/api/v1/work-orders/", {"source": "crm"})  # multipart
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert "multipart/form-data" in response.json()["detail"]
    urlencoded = crm.post(
        "/api/v1/work-orders/",
        "source=crm",
        content_type="application/x-www-form-urlencoded",
    )
    assert urlencoded.status_code == 415


def test_the_schema_offers_json_request_bodies_only(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    media = {
        media_type
        for operations in schema["paths"].values()
        for operation in operations.values()
        for media_type in operation.get("requestBody", {}).get("content", {})
    }
    assert media == {"application/json"}
