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
