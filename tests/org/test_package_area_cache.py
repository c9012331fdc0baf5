"""Intake's 小包区 lookup at province scale (issue 18): every package area in
one query a period, a code imported since read alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch_center.caching import process_caches_clear
from org.models import PackageArea, RegionGroup
from org.selectors import package_area_for_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.POLICY_CACHE_SECONDS = 60
    process_caches_clear()
    yield
    process_caches_clear()


def test_one_query_answers_every_code(org, cached):
    with CaptureQueriesContext(connection) as first:
        p1 = package_area_for_intake("P1")
    with CaptureQueriesContext(connection) as later:
        found = [package_area_for_intake(code) for code in ("P2", "P3", "P4", "P1")]
    assert len(first) == 1
    assert len(later) == 0
    assert p1.group.area.district.code == "D1"
    assert [p.code for p in found] == ["P2", "P3", "P4", "P1"]


def test_an_area_imported_since_the_load_takes_orders_at_once(org, cached):
    package_area_for_intake("P1")
    PackageArea.objects.create(
        code="P9", name="新区", group=RegionGroup.objects.get(code="G2")
    )
    with CaptureQueriesContext(connection) as queries:
        found = package_area_for_intake("P9")
    assert found.code == "P9"
    assert found.group.area.district.code == "D2"
    assert len(queries) == 1  # read alone, with its group, area and district


def test_an_unknown_code_is_none(org, cached):
    assert package_area_for_intake("NOPE") is None
