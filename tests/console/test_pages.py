"""Server-rendered pages: login, navigation per role, the paid-compensation list."""

import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def login(client, *roles, username="u1"):
    user = make_user(username, *roles)
    client.force_login(user)
    return user


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/"
    )
    page = client.get("/accounts/login/").content.decode()
    assert "登录综调中心" in page


def test_login_with_username_and_password(client, org):
    make_user("fin1", "finance")
    response = client.post(
        "/accounts/login/", {"username": "fin1", "password": "pass-fin1"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert "已补偿清单" in client.get("/", follow=True).content.decode()


def test_navigation_shows_each_role_only_its_pages(client, org):
    login(client, "finance")
    page = client.get("/", follow=True).content.decode()
    assert "已补偿清单" in page and "管理后台" not in page
    client.logout()
    login(client, "technician", username="t9")
    page = client.get("/").content.decode()
    assert "已补偿清单" not in page


def test_paid_list_page_is_for_finance_and_managers(client, org):
    login(client, "hotline_agent")
    assert client.get("/compensation/paid/").status_code == 403
    client.logout()
    login(client, "manager", username="m1")
    page = client.get("/compensation/paid/?month=2026-11")
    assert page.status_code == 200
    assert "每月已补偿清单" in page.content.decode()
    assert client.get("/compensation/paid/?month=2026-13").status_code == 400
    xlsx = client.get("/compensation/paid/?month=2026-11&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_pages_speak_english_on_request(client, org):
    login(client, "manager")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert 'lang="en"' in page
