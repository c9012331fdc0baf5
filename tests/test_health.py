import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_names_an_unreachable_broker(client):
    # nothing listens on port 1 of loopback
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")


def test_api_docs_are_served_without_internet(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "static/drf_spectacular_sidecar" in page
    assert "cdn" not in page.lower()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/work-orders/{id}/dispatch/" in schema.content


@pytest.mark.django_db
def test_api_errors_outside_drf_are_json(client, crm, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = crm.get("/api/v1/work-orders/", {f"f{i}": "x" for i in range(5)})
    assert response.status_code == 400
    assert response.json() == {"detail": "请求有误。"}
    missing = client.get("/api/v1/nothing-here/")
    assert (missing.status_code, missing.json()) == (404, {"detail": "未找到。"})
    english = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}
    assert (
        client.get("/api/v1/work-orders/123456789012345678901234567890/").status_code
        == 404
    )


@pytest.mark.django_db
def test_token_answers_are_cached_per_process_until_they_expire(
    crm, crm_user, settings
):
    from dispatch_center.auth import token_cache_clear

    settings.AUTH_TOKEN_CACHE_SECONDS = 30
    token_cache_clear()
    assert crm.get("/api/v1/work-orders/").status_code == 200
    crm_user.is_active = False
    crm_user.save()
    assert crm.get("/api/v1/work-orders/").status_code == 200  # the cached answer
    token_cache_clear()  # what 30 s do
    assert crm.get("/api/v1/work-orders/").status_code == 401
    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    assert crm.get("/api/v1/work-orders/").status_code == 401
