"""No Chinese in the English UI (issue 14, "no leaks either way"): with English
chosen, the admin's list, add and change page of every registered model, and the
console pages tests/test_no_english.py walks in Chinese, show no Chinese but the
data (names, addresses, notes and templates people typed in, in any language).

The data is known exactly: every text value stored in the database is taken off
the page before looking, so a Chinese word left is a label, a choice, a help
text, a heading or a message the English catalog lacks.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import reverse

from org.models import Technician
from sla.models import Approval
from tests.conftest import make_user
from tests.console.test_desks import dispatch_to, new_order, step
from tests.scope.world import NOW, build_world

pytestmark = pytest.mark.django_db

#: Han ideographs and CJK punctuation (。、「」《》…).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
#: A language is named in its own language in the language switch.
OWN_NAMES = ("简体中文",)
#: Attributes a reader sees (tool tips, placeholders, buttons' labels).
SHOWN = re.compile(r'\b(?:title|placeholder|alt|aria-label)="([^"]*)"')
BUTTON = re.compile(r'<input[^>]*type="(?:submit|button)"[^>]*>')


def _strings(value):
    """The text leaves of a stored value (JSON fields hold lists and dicts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def stored_text() -> list[str]:
    """Every Chinese text value in the database, longest first."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    text = text.strip()
                    if CJK.search(text):
                        found.add(text)
                        found.update(t.strip() for t in text.splitlines())
    found.discard("")
    return sorted(found, key=len, reverse=True)


def visible_text(html: str) -> str:
    """What a reader sees: the text, the tool tips, the buttons' labels (not
    scripts, styles, nor the values typed into the form's fields)."""
    html = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", html, flags=re.S)
    shown = SHOWN.findall(html)
    for button in BUTTON.findall(html):
        shown += re.findall(r'\bvalue="([^"]*)"', button)
    text = re.sub(r"<[^>]+>", " ", html)
    return unescape(" ".join([text, *shown]))


def chinese_outside_data(html: str, data: list[str]) -> list[str]:
    text = visible_text(html)
    for value in (*data, *OWN_NAMES):
        text = text.replace(value, " ")
        text = text.replace(unescape(value), " ")
    return CJK.findall(text)


def english_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def world(org):
    with time_machine.travel(NOW, tick=False):
        return build_world()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def one_of_every_registered_model(world) -> None:
    """The rows the scope world lacks, so that every model has a change page."""
    from axes.models import AccessAttempt, AccessFailureLog
    from rest_framework.authtoken.models import Token

    from compensation.models import Recharge
    from complaints.models import Callback
    from dispatch.models import RedispatchRequest
    from monitoring.models import JobRun
    from network_faults.models import NetworkFault
    from notifications.models import Notification
    from payroll.models import PayrollItem, TechnicianPay
    from reports.models import DailyRollup, RollupDay, RollupMonth
    from sla.models import EscalationContact, SlaEvent
    from workorders.models import CalendarOverride

    own, now = world.own, NOW
    user = world.scoped_user
    Token.objects.create(user=user)
    browser = {"user_agent": "Firefox", "http_accept": "*/*", "path_info": "/"}
    AccessAttempt.objects.create(
        username="x", get_data="", post_data="", failures_since_start=1, **browser
    )
    AccessFailureLog.objects.create(username="x", **browser)
    Recharge.objects.create(
        key=uuid.uuid4(),
        claim=own.claim,
        phone=own.claim.phone,
        amount=Decimal("10.00"),
        at=now,
    )
    Callback.objects.create(
        work_order=own.done,
        contact=5,
        punctuality=5,
        skill=5,
        attitude=5,
        satisfied=True,
        at=now,
    )
    RedispatchRequest.objects.create(
        order=own.dispatched, technician=own.tech, note="busy", at=now
    )
    JobRun.objects.create(name="sla.scan", created_at=now)
    NetworkFault.objects.create(number="F0001", started_at=now, created_at=now)
    Notification.objects.create(
        channel="sms",
        recipient="13900000000",
        topic="dispatched",
        body="Your engineer is on the way.",
        dedupe_key="k1",
        next_attempt_at=now,
        created_at=now,
    )
    PayrollItem.objects.create(
        run=world.run,
        technician=own.tech,
        seq=1,
        work_order=own.done,
        number=own.done.number,
        kind="repair",
        product="ftth_broadband",
        completed_at=now,
        **dict.fromkeys(
            (
                "hours",
                "hours_before",
                "paid_hours",
                "unit_price",
                "difficulty",
                "same_day_coefficient",
                "after_hours_coefficient",
                "grade_coefficient",
                "amount",
            ),
            Decimal("1"),
        ),
        same_day=False,
        after_hours=False,
    )
    TechnicianPay.objects.create(technician=own.tech)
    DailyRollup.objects.create(level=1, day=NOW.date())
    RollupDay.objects.create(day=NOW.date(), computed_at=now)
    RollupMonth.objects.create(month=NOW.date().replace(day=1), computed_at=now)
    EscalationContact.objects.create(level=2, user=user, area=own.area)
    SlaEvent.objects.create(
        order=own.dispatched, kind="urge", checkpoint="urge:1", at=now
    )
    CalendarOverride.objects.create(date=NOW.date(), is_working_day=False)


def admin_urls():
    """The list, add and change page of every registered model."""
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"no {model._meta.label} to open"
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
        yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])


def test_the_finder_at_its_edges():
    page = '<p title="派单">Dispatch 张工</p><input type="submit" value="保存">'
    assert chinese_outside_data(page, ["张工"]) == ["派单", "保存"]
    assert chinese_outside_data("<script>x='中文'</script><p>简体中文</p>", []) == []
    assert chinese_outside_data('<input type="text" value="客户写的">', []) == []


def test_every_admin_page_in_english_has_no_chinese_but_the_data(world, clock):
    one_of_every_registered_model(world)
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    client = english_client(root)
    data = stored_text()
    pages, leaks = 0, {}
    for url in admin_urls():
        response = client.get(url)
        if response.status_code == 403 and url.endswith("/add/"):
            continue  # read-only in the admin: the add page is refused
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'lang="en"' in html, url
        pages += 1
        if found := chinese_outside_data(html, data):
            leaks[url] = sorted(set(found))
    assert pages > 2 * len(admin.site._registry)  # lists and changes at least
    assert leaks == {}


# --- the console -------------------------------------------------------------------


def console_pages(world) -> list[tuple[str, str]]:
    """(role, url) of every console page a desk reads: the desks, their
    partials, an order, a complaint, a payroll run and its lines."""
    own = world.own
    return [
        ("dispatcher", "/console/dispatch/"),
        ("dispatcher", "/console/dispatch/queue/"),
        ("dispatcher", "/console/dispatch/side/"),
        ("dispatcher", "/console/dispatch/technicians/"),
        ("dispatcher", f"/console/dispatch/orders/{own.pending.pk}/candidates/"),
        ("dispatcher", f"/console/orders/{own.dispatched.pk}/"),
        ("dispatcher", f"/console/orders/{own.done.pk}/"),
        ("dispatcher", "/console/faults/panel/"),
        ("hotline_agent", "/console/hotline/"),
        ("hotline_agent", f"/console/hotline/?q={own.dispatched.customer.phone}"),
        ("technician", "/console/tech/"),
        ("manager", "/console/home/"),
        ("manager", "/console/complaints/"),
        ("manager", "/console/complaints/analysis/"),
        ("manager", f"/console/complaints/{own.complaint.pk}/"),
        ("manager", "/console/payroll/"),
        ("manager", f"/console/payroll/runs/{world.run.pk}/"),
        ("manager", f"/console/payroll/runs/{world.run.pk}/lines/{own.line.pk}/"),
        ("finance", "/console/home/"),
        ("finance", "/compensation/audit/"),
        ("supervisor", "/console/home/"),
    ]


def test_console_pages_in_english_have_no_chinese_but_the_data(world, clock):
    users = {
        role: make_user(f"en-{role}", role)
        for role in ("dispatcher", "hotline_agent", "manager", "finance", "supervisor")
    }
    users["technician"] = world.technician_user
    clients = {role: english_client(user) for role, user in users.items()}
    data = stored_text()
    leaks = {}
    for role, url in console_pages(world):
        response = clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        found = chinese_outside_data(response.content.decode(), data)
        if found:
            leaks[url] = found
    assert leaks == {}


def test_console_refusals_in_english_have_no_chinese_but_the_data(org, clock):
    """The pages tests/test_no_english.py renders in Chinese after bad input,
    in English."""
    desk = english_client(make_user("disp1", "dispatcher"))
    agent = english_client(make_user("agent1", "hotline_agent"))
    t1 = english_client(Technician.objects.get(code="T1").user)
    order = dispatch_to(new_order(), "T1")
    pending = new_order(phone="13900000002")
    responses = [
        agent.post("/console/hotline/repair/", {"phone": "12"}),
        agent.post("/console/hotline/complaint/", {"phone": "x"}),
        agent.post(f"/console/hotline/orders/{order.pk}/callback/", {}, follow=True),
    ]
    for action in ("contact", "complete", "suspend", "reschedule", "redispatch"):
        responses.append(step(t1, order, action, {"appointment_start": "x"}))
    responses += [
        step(t1, order, "arrive"),
        step(t1, order, "complete"),
        step(
            t1,
            order,
            "reschedule",
            {
                "appointment_start": "2026-11-21T09:00",
                "appointment_end": "2026-11-21T11:00",
                "reason": "customer",
            },
        ),
        step(t1, order, "suspend", {"reason": "customer"}),
    ]
    approval = Approval.objects.get(order=order)
    responses += [
        desk.post(
            f"/console/dispatch/approvals/{approval.pk}/reject/",
            {"note": ""},
            follow=True,
        ),
        step(t1, order, "suspend", {"reason": "customer"}),
        desk.post(
            f"/console/dispatch/orders/{order.pk}/dispatch/",
            {"technician": "T1"},
            HTTP_HX_REQUEST="true",
        ),
        desk.post(
            f"/console/dispatch/orders/{pending.pk}/dispatch/",
            {"technician": "T3"},
            HTTP_HX_REQUEST="true",
        ),
        desk.post("/console/dispatch/rota/", {"week_start": "x"}, follow=True),
        agent.post(f"/console/hotline/orders/{order.pk}/urge/", {}, follow=True),
        t1.get("/console/tech/"),
    ]
    data = stored_text()
    pages = [r.content.decode() for r in responses]
    shown = " ".join(pages)
    assert "already assigned" in shown  # the refusals were shown, in English
    leaks = {
        i: found
        for i, html in enumerate(pages)
        if (found := chinese_outside_data(html, data))
    }
    assert leaks == {}
