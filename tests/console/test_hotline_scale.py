"""The 10000号 desk at province scale (issue 18): the 待回访 badge counts up to
a cap instead of every completion in the window, and the repair form's 小包区
list is written without a model instance or a template per option."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console import selectors
from org.models import PackageArea
from tests.compensation.test_api import clock  # noqa: F401 - fixture
from tests.conftest import make_user
from tests.console.test_desks import as_user
from tests.console.test_issue14 import _complete

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("due", "badge", "note"),
    [
        (5, "5", "显示最早的 4 条，共 5 条。"),
        (6, "5+", "显示最早的 4 条，共超过 5 条。"),
        (7, "5+", "显示最早的 4 条，共超过 5 条。"),
    ],
)
def test_the_callbacks_badge_counts_up_to_its_cap(
    org,
    clock,  # noqa: F811
    monkeypatch,
    due,
    badge,
    note,
):
    # given a cap of 5, a panel of 4 and this many callbacks due
    monkeypatch.setattr(selectors, "CALLBACKS_COUNT_CAP", 5)
    monkeypatch.setattr(selectors, "PANEL_LIMIT", 4)
    agent = as_user(make_user("agent1", "hotline_agent"))
    _complete(due)
    # when the agent opens the desk
    html = agent.get("/console/hotline/").content.decode()
    # then the badge shows the count up to the cap, past it "cap+"
    assert f'待回访 <span class="badge">{badge}</span>' in html
    assert note in html


def test_past_the_cap_the_english_desk_says_more_than(
    org,
    clock,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(selectors, "CALLBACKS_COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "PANEL_LIMIT", 1)
    agent = as_user(make_user("agent1", "hotline_agent"))
    _complete(3)
    html = agent.get("/console/hotline/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "Showing the oldest 1 of more than 2." in html.decode()


def test_the_count_is_a_limited_query(org, clock):  # noqa: F811
    # the badge's count never reads more rows than the cap + 1
    agent = make_user("agent1", "hotline_agent")
    _complete(3)
    with CaptureQueriesContext(connection) as queries:
        total = selectors.callbacks_due_total(agent, now=timezone.now())
    assert total == 3
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"]]
    assert f"LIMIT {selectors.CALLBACKS_COUNT_CAP + 1}" in count


def _options(html: str) -> list[tuple[str, str]]:
    select = re.search(
        r'<select[^>]* name="package_area"[^>]*>(.*?)</select>', html, re.S
    )
    assert select, "the repair form has its 小包区 list"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])


def test_the_repair_form_lists_the_package_areas_in_scope(org):
    # a city-wide agent sees every 小包区 with its area, a district's only its own
    city = as_user(make_user("agent1", "hotline_agent"))
    scoped = as_user(make_user("agent2", "hotline_agent", district="D2"))
    everyone = _options(city.get("/console/hotline/").content.decode())
    assert everyone[0] == ("", "请选择")
    assert everyone[1:] == [
        (str(p.pk), f"{p.name}（{p.group.area.name}）")
        for p in PackageArea.objects.select_related("group__area").order_by("code")
    ]
    d2 = _options(scoped.get("/console/hotline/").content.decode())
    assert [label for _pk, label in d2[1:]] == [
        "伊山小区（伊山镇）",
        "杨集村（杨集农村）",
    ]


def test_the_customers_package_area_is_chosen_and_a_bad_choice_is_refused(org):
    agent = as_user(make_user("agent1", "hotline_agent", district="D2"))
    outside = PackageArea.objects.get(code="P1")  # 海州区局, not the agent's
    # when the agent posts a repair for a 小包区 outside their district
    response = agent.post(
        "/console/hotline/repair/",
        {
            "phone": "13912345678",
            "name": "王女士",
            "address": "通灌北路 1 号",
            "package_area": outside.pk,
            "product": "ftth_broadband",
            "level": "ordinary",
            "segment": "public",
            "description": "无法上网",
        },
    )
    # then the form comes back with the field's message, nothing is written
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择列表中的小包区。" in html
    assert 'aria-invalid="true"' in html
    chosen = PackageArea.objects.get(code="P3")
    again = agent.post(
        "/console/hotline/repair/",
        {"phone": "1", "package_area": chosen.pk},
    ).content.decode()
    assert f'<option value="{chosen.pk}" selected>' in again


def test_a_long_select_escapes_as_djangos_select_does():
    """The one-pass ``LongSelect`` shows the same options, values, labels
    and choice as Django's ``Select``: text escaped, safe HTML kept."""
    from django import forms
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from console.forms import LongSelect

    choices = [
        ("", "---"),
        ("a&b", 'Tom & "Jerry" <x>'),
        (7, mark_safe("<b>safe</b>")),
        ("8", gettext_lazy("全部")),
    ]
    ours = LongSelect(choices=choices).render("f", 7, attrs={"id": "x"})
    django_s = forms.Select(choices=choices).render("f", 7, attrs={"id": "x"})

    def options(html):
        return re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', html)

    assert options(ours) == options(django_s) and len(options(ours)) == 4
    assert (
        '<option value="a&amp;b">Tom &amp; &quot;Jerry&quot; &lt;x&gt;</option>' in ours
    )
    assert '<option value="7" selected><b>safe</b></option>' in ours
    assert ours.startswith('<select name="f" id="x">') or ours.startswith(
        '<select id="x" name="f">'
    )
