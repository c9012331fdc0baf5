"""``dispatch_center.prepared``: a statement built with the ORM once per shape
answers as the ORM would for any values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Max, Q

from dispatch_center.prepared import Prepared, aggregate_of, scalars
from org.models import RegionGroup, Technician
from tests.conftest import local_time

pytestmark = pytest.mark.django_db


def technicians(values):
    qs = Technician.objects.order_by("code")
    if "group" in values:
        qs = qs.filter(group_id=values["group"])
    if "text" in values:
        qs = qs.filter(
            Q(name__contains=values["text"]) | Q(code__icontains=values["text"])
        )
    if "since" in values:
        qs = qs.filter(last_position_at__gte=values["since"])
    return qs.values_list("code", flat=True)


def run(prepared, values):
    return [
        code for (code,) in prepared.rows(tuple(sorted(values)), technicians, values)
    ]


@pytest.fixture
def crew(org):
    group = RegionGroup.objects.get(code="G1")
    for code, name in [("X1", "50%折扣"), ("X2", "a_b"), ("X3", "axb"), ("X4", "张三")]:
        Technician.objects.create(code=code, name=name, phone="1", group=group)
    return group


def test_the_same_shape_runs_with_new_values_as_the_orm_would(crew):
    prepared = Prepared()
    other = RegionGroup.objects.get(code="G2")
    for values in [{"group": crew.pk}, {"group": other.pk}]:
        assert run(prepared, values) == list(technicians(values))
    assert run(prepared, {"group": other.pk}) != run(prepared, {"group": crew.pk})


@pytest.mark.parametrize("text", ["%", "_", "a_b", "张", "x1", "T"])
def test_a_searched_text_is_escaped_as_the_orm_escapes_it(crew, text):
    prepared = Prepared()
    run(prepared, {"text": "zz"})  # compiled with another value first
    assert run(prepared, {"text": text}) == list(technicians({"text": text}))


def test_an_instant_is_adapted_as_the_orm_adapts_it(crew):
    Technician.objects.filter(code="X1").update(
        last_position_at=local_time(2026, 11, 20, 10, 0)
    )
    prepared = Prepared()
    for since in [local_time(2026, 11, 20, 9, 59), local_time(2026, 11, 20, 10, 1)]:
        values = {"since": since}
        assert run(prepared, values) == list(technicians(values))


def test_a_shape_is_built_once(crew):
    prepared, built = Prepared(), []

    def build(values):
        built.append(values)
        return technicians(values)

    for group in [crew.pk, crew.pk + 1, crew.pk]:
        prepared.rows("by-group", build, {"group": group})
    assert len(built) == 1


def test_a_value_missing_from_the_sql_is_refused(crew):
    with pytest.raises(ValueError, match="when"):
        Prepared().rows(
            "x", lambda v: Technician.objects.all(), {"when": dt.date.today()}
        )


def test_scalars_select_each_aggregate_in_one_statement(
    crew, django_assert_num_queries
):
    prepared = Prepared()

    def build(values):
        group = Technician.objects.filter(group_id=values["group"])
        return scalars(
            aggregate_of(group, Count("id")), aggregate_of(group, Max("code"))
        )

    with django_assert_num_queries(1):
        found = prepared.rows("scalars", build, {"group": crew.pk})
    assert found == [(Technician.objects.filter(group=crew).count(), "X4")]
