"""No leaks either way (issue 14): in Simplified Chinese no English word shows
in a form error, a message or a service's refusal (console and API); in English
no Chinese is left on the pages issue 14 touched.

Three nets: the code (every refusal and message built anywhere goes through
gettext), the rendered answers (console pages and API answers after bad input),
and the English catalog (every string of those pages is translated).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

from org.models import Technician
from sla.models import Approval
from tests.conftest import client_for, make_user
from tests.console.test_desks import FRIDAY_10, as_user, dispatch_to, new_order, step

BASE = Path(settings.BASE_DIR)
APPS = [
    "org",
    "notifications",
    "workorders",
    "dispatch",
    "sla",
    "compensation",
    "complaints",
    "network_faults",
    "payroll",
    "reports",
    "console",
    "dispatch_center",
]
#: Latin words a Chinese sentence here may carry: product and file names, the
#: time zone, the commands it tells an administrator to run.
ALLOWED = {"iTV", "Excel", "Asia", "Shanghai", "manage.py", "reports_backfill"}
ALLOWED |= {"reports.rollup"}
WORD = re.compile(r"[A-Za-z][A-Za-z_.]*[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> list[str]:
    """Latin words with a lower-case letter (codes like P1, T0001, VIP and
    YYYY-MM are names and formats, not English)."""
    text = re.sub(r"%\(\w+\)[sd]", " ", text)  # placeholders are not words
    return [
        w
        for w in WORD.findall(text)
        if any(c.islower() for c in w) and w.strip(".") not in ALLOWED
    ]


def test_the_word_finder_at_its_edges():
    assert english_words("改约须经客户确认 (customer_confirmed must be true)") != []
    assert english_words("Not Found") == ["Not", "Found"]
    assert english_words("工单 X261122ABCDEF 已派给 张工（T0001），VIP，YYYY-MM") == []
    assert english_words("iTV高清 · 请运行 manage.py reports_backfill") == []


# --- 1. the code -------------------------------------------------------------------

ERRORS = {
    "DomainError",
    "Conflict",
    "InvalidTransition",
    "IdempotencyConflict",
    "NotDispatchable",
    "AlreadyAssigned",
    "InvalidInput",
    "Forbidden",
    "ValidationError",
    "PermissionDenied",
    "AuthenticationFailed",
}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "ngettext_lazy"}
MESSAGE_LEVELS = {"success", "error", "warning", "info", "debug"}


def _name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _untranslated(node) -> list[ast.AST]:
    """String literals in a message expression that do not go through gettext
    (``gettext("…") % {...}`` is fine: its parameters are not the message)."""
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _untranslated(node.left)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.Dict):  # ValidationError({field: [message]})
        return [n for v in node.values for n in _untranslated(v)]
    if isinstance(node, ast.List | ast.Tuple):
        return [n for v in node.elts for n in _untranslated(v)]
    return []


def _sources():
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _error_classes(trees) -> set[str]:
    """The error classes, with every subclass the project defines."""
    names = set(ERRORS)
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(_name(b) in names for b in node.bases)
                ):
                    names.add(node.name)
                    grew = True
    return names


def test_every_refusal_and_message_in_the_code_goes_through_gettext():
    trees = {path: ast.parse(path.read_text()) for path in _sources()}
    errors = _error_classes(trees.values())
    assert "PaymentFailed" in errors  # subclasses are found, not only the base
    found, checked = [], 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in errors:
                args = node.args[1:] if name == "InvalidInput" else node.args
            elif (
                name in MESSAGE_LEVELS
                and _name(getattr(node.func, "value", None)) == "messages"
            ):
                args = node.args[1:2]
            else:
                continue
            checked += 1
            for literal in (n for a in args for n in _untranslated(a)):
                found.append(
                    f"{path.relative_to(BASE)}:{literal.lineno} {ast.unparse(literal)}"
                )
    assert checked > 120  # the scan sees the code it is meant to
    assert found == []


def _python_msgids(path: Path) -> list[str]:
    ids = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and _name(node.func) in GETTEXT
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            ids.append(node.args[0].value)
    return ids


def _template_msgids(path: Path) -> list[str]:
    """What makemessages would extract (Django's own ``templatize``)."""
    python = templatize(path.read_text(), origin=str(path))
    found = re.findall(r"(?:\bn?gettext|\b_)\(u?(['\"])((?:(?!\1).)*)\1", python)
    return [text.replace("\\'", "'") for _quote, text in found]


def _msgids(paths) -> dict[str, Path]:
    ids = {}
    for path in paths:
        read = _python_msgids if path.suffix == ".py" else _template_msgids
        for msgid in read(path):
            ids.setdefault(msgid, path)
    return ids


#: What the pages of issue 14 show: the frame and error pages, the console,
#: finance's and the reports pages, and every refusal a service or API raises.
PAGE_SOURCES = [
    *sorted((BASE / "templates").rglob("*.html")),
    *sorted((BASE / "console").rglob("*.html")),
    *sorted((BASE / "compensation/templates").rglob("*.html")),
    *sorted((BASE / "reports/templates").rglob("*.html")),
    *[p for p in _sources() if p.parts[len(BASE.parts)] == "console"],
    *[
        p
        for p in _sources()
        if p.name
        in {"services.py", "sla_services.py", "rules.py", "views.py", "raw.py"}
        or "services" in p.parts
        or "api" in p.parts
    ],
    BASE / "dispatch_center/urls.py",
    BASE / "dispatch_center/navigation.py",
    BASE / "dispatch_center/filters.py",
]


def test_no_english_word_in_a_chinese_string_of_those_pages():
    # zh-hans is the source language: a msgid is what a Chinese user reads
    ids = _msgids(PAGE_SOURCES)
    assert len(ids) > 400
    leaks = {
        msgid: str(path.relative_to(BASE))
        for msgid, path in ids.items()
        if HAN.search(msgid) and english_words(msgid)
    }
    assert leaks == {}


def test_no_chinese_left_in_english_on_those_pages():
    ids = _msgids(PAGE_SOURCES)
    with translation.override("en"):
        leaks = {
            msgid: str(path.relative_to(BASE))
            for msgid, path in ids.items()
            if HAN.search(translation.gettext(msgid))
        }
    assert leaks == {}


# --- 2. what users see -------------------------------------------------------------


def _visible_errors(html: str) -> str:
    """The text of every error and message container on a page."""
    parts = re.findall(
        r'<(?:p|span|ul|li)[^>]*class="[^"]*\b(?:error|errorlist|messages|flash|'
        r'warning)\b[^"]*"[^>]*>(.*?)</(?:p|span|ul|li)>',
        html,
        flags=re.S,
    )
    return " ".join(re.sub(r"<[^>]+>", " ", p) for p in parts)


@pytest.fixture
def clock():
    import time_machine

    with time_machine.travel(FRIDAY_10, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_every_console_refusal_renders_in_chinese(org, clock):
    desk = as_user(make_user("disp1", "dispatcher"))
    agent = as_user(make_user("agent1", "hotline_agent"))
    t1 = as_user(Technician.objects.get(code="T1").user)
    order = dispatch_to(new_order(), "T1")
    pending = new_order(phone="13900000002")
    shown = []

    def seen(response):
        shown.append(_visible_errors(response.content.decode()))

    # forms with nothing filled in, or nonsense
    seen(agent.post("/console/hotline/repair/", {"phone": "12"}))
    seen(agent.post("/console/hotline/complaint/", {"phone": "x"}))
    seen(agent.post(f"/console/hotline/orders/{order.pk}/callback/", {}, follow=True))
    for action in ("contact", "complete", "suspend", "reschedule", "redispatch"):
        seen(step(t1, order, action, {"appointment_start": "x"}))
    # the services' refusals: wrong state, a reschedule without consent, ...
    seen(step(t1, order, "arrive"))
    seen(step(t1, order, "complete"))
    seen(
        step(
            t1,
            order,
            "reschedule",
            {"slot": "2026-11-21T08:00:00+08:00", "reason": "customer"},
        )
    )
    seen(step(t1, order, "suspend", {"reason": "customer"}))
    approval = Approval.objects.get(order=order)
    seen(
        desk.post(
            f"/console/dispatch/approvals/{approval.pk}/reject/",
            {"note": ""},
            follow=True,
        )
    )
    seen(step(t1, order, "suspend", {"reason": "customer"}))  # one already pending
    seen(
        desk.post(
            f"/console/dispatch/orders/{order.pk}/dispatch/",
            {"technician": "T1"},
            HTTP_HX_REQUEST="true",
        )
    )  # already assigned to T1
    seen(
        desk.post(
            f"/console/dispatch/orders/{pending.pk}/dispatch/",
            {"technician": "T3"},
            HTTP_HX_REQUEST="true",
        )
    )  # not in the pool
    seen(desk.post("/console/dispatch/rota/", {"week_start": "x"}, follow=True))
    seen(
        agent.post(f"/console/hotline/orders/{order.pk}/urge/", {}, follow=True)
    )  # a success message, for good measure
    text = " ".join(shown)
    assert len(re.findall(HAN, text)) > 200  # errors were shown, and read
    assert "已派给" in text and "须经客户确认" in text and "驳回须填写审核意见" in text
    assert english_words(text) == []


@pytest.mark.django_db
def test_api_refusals_are_chinese_by_default_and_english_on_request(org, clock):
    crm = client_for(make_user("crm1", "crm"))
    dispatcher = client_for(make_user("disp1", "dispatcher"))
    order = dispatch_to(new_order(), "T1")
    tech = client_for(Technician.objects.get(code="T1").user)
    calls = [
        lambda c, h: c.post(
            "/api/v1/work-orders/",
            {"source": "crm", "kind": "install", "package_area": "P9"},
            format="json",
            **h,
        ),
        lambda c, h: c.post(
            f"/api/v1/work-orders/{order.pk}/dispatch/",
            {"technician": "T1"},
            format="json",
            **h,
        ),
        lambda c, h: c.post(
            f"/api/v1/work-orders/{order.pk}/dispatch/",
            {"technician": "T9"},
            format="json",
            **h,
        ),
        lambda c, h: c.get("/api/v1/nothing/", **h),
    ]
    tech_calls = [
        lambda c, h: c.post(f"/api/v1/work-orders/{order.pk}/arrive/", **h),
        lambda c, h: c.post(
            f"/api/v1/work-orders/{order.pk}/request-redispatch/",
            {"note": ""},
            format="json",
            **h,
        ),
    ]

    def answers(headers):
        out = [call(dispatcher, headers) for call in calls]
        out += [call(tech, headers) for call in tech_calls]
        out.append(dispatcher.get("/api/v1/reports/quality/?period=9", **headers))
        out.append(crm.get("/api/v1/reports/quality/", **headers))  # not its role
        out.append(
            Client().get(
                "/api/v1/work-orders/", HTTP_AUTHORIZATION="Token x", **headers
            )
        )
        assert all(r.status_code >= 400 for r in out), [r.status_code for r in out]
        return " ".join(json.dumps(r.json(), ensure_ascii=False) for r in out)

    chinese = answers({})
    english = answers({"HTTP_ACCEPT_LANGUAGE": "en"})
    # keys are field names and codes (API.md), the messages are what we check
    strip = re.compile(r'"[a-z_]+":|"(?:code)": "[a-z_]+"|\b[a-z_]+_[a-z_]+\b')
    assert "已派给" in chinese and english_words(strip.sub(" ", chinese)) == []
    # the technician's name is data, not a leak
    assert "already assigned" in english and not HAN.search(english.replace("张工", ""))


@pytest.mark.django_db
def test_an_english_error_page_has_no_chinese_in_its_text(org):
    desk = as_user(make_user("disp1", "dispatcher"))
    html = desk.get("/console/orders/999999/", HTTP_ACCEPT_LANGUAGE="en")
    body = html.content.decode().split("<main>", 1)[1]
    assert "Page not found" in body and not HAN.search(body)
