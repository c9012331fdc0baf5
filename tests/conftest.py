"""Shared fixtures: an imported organisation, users per role, API clients, a clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dispatch_center.caching import process_caches_clear
from org.models import District, StaffProfile, Technician
from org.services import org_import
from workorders.rules import LOCAL_TZ

ORG = {
    "districts": [
        {"code": "D1", "name": "海州区局"},
        {"code": "D2", "name": "灌云县分公司"},
    ],
    "areas": [
        {
            "code": "A1",
            "name": "新浦片区",
            "district": "D1",
            "area_type": "urban_core",
            "same_day_enabled": True,
        },
        {
            "code": "A2",
            "name": "伊山镇",
            "district": "D2",
            "area_type": "county_town",
            "same_day_enabled": True,
        },
        {
            "code": "A3",
            "name": "杨集农村",
            "district": "D2",
            "area_type": "rural",
            "same_day_enabled": False,
        },
    ],
    "groups": [
        {"code": "G1", "name": "新浦一组", "area": "A1"},
        {"code": "G2", "name": "伊山一组", "area": "A2"},
        {"code": "G3", "name": "杨集组", "area": "A3"},
    ],
    "package_areas": [
        {"code": "P1", "name": "通灌小区", "group": "G1", "lat": 34.60, "lng": 119.22},
        {"code": "P2", "name": "海连小区", "group": "G1", "lat": 34.61, "lng": 119.20},
        {"code": "P3", "name": "伊山小区", "group": "G2", "lat": 34.30, "lng": 119.25},
        {"code": "P4", "name": "杨集村", "group": "G3", "lat": 34.45, "lng": 119.60},
    ],
    "vendors": [{"code": "V1", "name": "某通服公司"}],
    "technicians": [
        {
            "code": "T1",
            "name": "张工",
            "phone": "13800000001",
            "group": "G1",
            "home_package_area": "P1",
            "vendor": None,
            "cert_level": 5,
            "skills": ["ftth_broadband", "itv_hd"],
            "role": "technician",
            "max_open_orders": 8,
            "after_hours": False,
        },
        {
            "code": "T2",
            "name": "李工",
            "phone": "13800000002",
            "group": "G1",
            "home_package_area": "P2",
            "vendor": "V1",
            "cert_level": 4,
            "skills": ["ftth_broadband", "itv_hd", "fixed_phone"],
            "role": "technician",
            "max_open_orders": 2,
            "after_hours": True,
        },
        {
            "code": "T3",
            "name": "王工",
            "phone": "13800000003",
            "group": "G2",
            "home_package_area": "P3",
            "vendor": None,
            "cert_level": 3,
            "skills": ["ftth_broadband"],
            "role": "technician",
            "max_open_orders": 8,
            "after_hours": False,
        },
    ],
}


def local_time(*args) -> dt.datetime:
    """An aware Asia/Shanghai datetime: ``local_time(2026, 11, 20, 15, 59, 59)``."""
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_api_throttling(settings):
    """Tests fire requests faster than any client; tests/test_throttling.py
    sets the rates it checks."""
    settings.API_THROTTLE_RATES = {"token": None, "session": None}


def _project_data_migrations():
    """Every RunPython step of the project's own migrations (defaults, roles)."""
    from django.apps import apps as global_apps
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    project = {
        c.label for c in global_apps.get_app_configs() if "site-packages" not in c.path
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    steps = []
    for key in loader.graph.leaf_nodes():
        for app_label, name in loader.graph.forwards_plan(key):
            if app_label not in project:
                continue
            for operation in loader.graph.nodes[(app_label, name)].operations:
                if (
                    isinstance(operation, RunPython)
                    and (app_label, name, operation) not in steps
                ):
                    steps.append((app_label, name, operation))
    return [op.code for _label, _name, op in steps]


@pytest.fixture(autouse=True)
def _defaults_after_flush(request):
    """Transactional tests flush every table, data-migration rows included.

    Re-run the project's data migrations (all idempotent) so each such test
    starts with the roles, policies and templates a real database has.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        from django.apps import apps as global_apps

        request.getfixturevalue("transactional_db")
        for code in _project_data_migrations():
            code(global_apps, None)


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language: a request in English leaves
    English active in the thread (LocaleMiddleware activates, nothing resets)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_policy_cache(settings):
    # Tests change roles, tokens and policies and expect them at once.
    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    process_caches_clear()
    yield
    process_caches_clear()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def statement_text(sql: str) -> str:
    """The statement a logged query ran: for an ``EXECUTE`` of a statement
    prepared in this session (``dispatch_center.inserts``) the prepared
    text, from ``pg_prepared_statements``; otherwise ``sql`` itself."""
    if not sql.startswith("EXECUTE "):
        return sql
    name = sql.split()[1].split("(")[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s", [name]
        )
        (prepared,) = cursor.fetchone()
    return prepared.split(" AS ", 1)[1]


@pytest.fixture
def org(db):
    org_import(ORG)
    return ORG


def make_user(username: str, *roles: str, district: str | None = None) -> User:
    user = User.objects.create_user(username=username, password="pass-" + username)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    if district:
        StaffProfile.objects.create(
            user=user, district=District.objects.get(code=district)
        )
    return user


def client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def crm_user(org):
    return make_user("crm", "crm")


@pytest.fixture
def crm(crm_user):
    return client_for(crm_user)


@pytest.fixture
def dispatcher_user(org):
    return make_user("dispatcher1", "dispatcher")


@pytest.fixture
def dispatcher(dispatcher_user):
    return client_for(dispatcher_user)


@pytest.fixture
def hotline(org):
    return client_for(make_user("agent1", "hotline_agent"))


@pytest.fixture
def supervisor(org):
    return client_for(make_user("super1", "supervisor"))


def technician_client(code: str) -> APIClient:
    return client_for(Technician.objects.get(code=code).user)


@pytest.fixture
def tech1(org):
    return technician_client("T1")


@pytest.fixture
def tech2(org):
    return technician_client("T2")


def order_payload(**overrides) -> dict:
    """A valid CRM install request (API.md's example), with overrides."""
    payload = {
        "crm_order_id": "CRM-20261120-0001",
        "source": "crm",
        "kind": "install",
        "product": "ftth_broadband",
        "customer": {
            "name": "王女士",
            "phone": "13912345678",
            "account": "ACC-1",
            "level": "ordinary",
            "segment": "public",
        },
        "address": "通灌北路 1 号 3-201",
        "package_area": "P1",
        "lat": 34.601,
        "lng": 119.221,
        "same_day_requested": True,
        "accepted_at": "2026-11-20T15:30:00+08:00",
        "appointment_start": None,
        "appointment_end": None,
        "description": "",
    }
    for key, value in overrides.items():
        if key == "customer":
            payload["customer"] = {**payload["customer"], **value}
        else:
            payload[key] = value
    return payload
