"""Per-token API budgets: a CRM burst cannot starve the console (issue 16).

Rates come from ``settings.API_THROTTLE_RATES`` (env ``API_THROTTLE_TOKEN_RATE``,
``API_THROTTLE_SESSION_RATE``); over the budget is 429 with ``Retry-After``.
"""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db
LIST = "/api/v1/work-orders/"


@pytest.fixture
def budgets(settings):
    settings.API_THROTTLE_RATES = {"token": "3/m", "session": "5/m"}
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def test_a_token_over_its_budget_gets_429_with_retry_after(budgets, crm):
    for _ in range(3):
        assert crm.get(LIST).status_code == 200
    response = crm.get(LIST)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "detail" in response.json()


def test_a_crm_burst_leaves_the_console_and_other_tokens_their_budget(
    budgets, crm, org
):
    for _ in range(4):
        crm.get(LIST)
    assert crm.get(LIST).status_code == 429
    # a dispatcher in the browser (session) and the hotline system's token
    desk = Client()
    desk.force_login(make_user("desk", "dispatcher"))
    assert desk.get(LIST).status_code == 200
    hotline_system = client_for(make_user("hotline-sys", "hotline_agent"))
    assert hotline_system.get(LIST).status_code == 200


def test_the_boundary_is_exactly_the_rate(budgets, dispatcher):
    codes = [dispatcher.get(LIST).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_cache_outage_lets_requests_through(budgets, crm, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(type(caches["throttle"]), "get", down)
    assert all(crm.get(LIST).status_code == 200 for _ in range(5))


def test_empty_rate_means_unlimited(settings, crm):
    settings.API_THROTTLE_RATES = {"token": None, "session": None}
    assert all(crm.get(LIST).status_code == 200 for _ in range(5))
