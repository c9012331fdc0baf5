"""Every URL pattern, walked as a district-scoped user against another district's
objects (issue 13): a pattern without a proven refusal, a scoped list or an
allow-list entry fails the suite. How to add a pattern: ``registry.py``."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from . import probes  # noqa: F401 - registers the project's probes
from .registry import ALLOWED, ALLOWED_PREFIXES, PROBES, Probe
from .world import NOW, World, build_world

TESTS = Path(__file__).resolve().parent.parent


def _load_extensions() -> list:
    """Every ``tests/<pkg>/scope_probes.py`` (probes added by other apps)."""
    modules = []
    for info in pkgutil.iter_modules([str(TESTS)]):
        if info.ispkg and (TESTS / info.name / "scope_probes.py").exists():
            modules.append(importlib.import_module(f"tests.{info.name}.scope_probes"))
    return modules


EXTENSIONS = _load_extensions()


@dataclass(frozen=True)
class Pattern:
    key: str  # the URL name, or the route when unnamed
    route: str
    name: str | None


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URLconf, nested includes resolved."""
    found: list[Pattern] = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append(Pattern(p.name or route, route, p.name))

    walk(get_resolver().url_patterns, "")
    return found


def _pattern_key(probe_key: str) -> str:
    """``name#variant`` probes the pattern ``name`` once more (e.g. its xlsx)."""
    return probe_key.split("#", 1)[0]


def _checked() -> list[Pattern]:
    return [
        p
        for p in url_patterns()
        if not any(p.route.startswith(prefix) for prefix in ALLOWED_PREFIXES)
    ]


def test_every_pattern_is_probed_or_allowed_with_a_reason():
    keys = {p.key for p in _checked()}
    probed = {_pattern_key(k) for k in PROBES}
    unknown = sorted(keys - probed - set(ALLOWED))
    assert not unknown, (
        "URL patterns without a district-scope probe or an allow-list reason "
        f"(add them to tests/scope/probes.py or your app's scope_probes.py): {unknown}"
    )
    stale = sorted((probed | set(ALLOWED)) - keys)
    assert not stale, (
        f"scope registry entries for patterns that no longer exist: {stale}"
    )
    both = sorted(probed & set(ALLOWED))
    assert not both, f"both probed and allowed: {both}"
    assert all(reason.strip() for reason in ALLOWED.values())


@pytest.fixture
def world(org) -> World:
    with time_machine.travel(NOW, tick=False):
        built = build_world()
        for module in EXTENSIONS:
            hook = getattr(module, "scope_world", None)
            if hook is not None:
                for side in (built.own, built.foreign):
                    hook(side, built)
    return built


class Ctx:
    """One pattern, one actor: ``call(method, kwargs, query=, data=)``."""

    def __init__(self, pattern: Pattern, world: World, probe: Probe):
        self.pattern, self.world = pattern, world
        self.client = APIClient()
        user = (
            world.technician_user
            if probe.actor == "technician"
            else (world.scoped_user)
        )
        self.client.force_login(user)
        self.api = pattern.route.startswith("api/")

    def url(self, kwargs) -> str:
        return reverse(self.pattern.name, kwargs=kwargs or None)

    def call(self, method, kwargs, *, query=None, data=None):
        url = self.url(kwargs)
        if method == "get":
            return self.client.get(url, query or {})
        if query:
            from urllib.parse import urlencode

            url = f"{url}?{urlencode(query)}"
        send = getattr(self.client, method)
        if self.api:
            return send(url, data or {}, format="json")
        return send(url, data or {})


def _request(ctx: Ctx, probe: Probe, side):
    call = probe.call(side, ctx.world)
    return ctx.call(call.method, call.kwargs, query=call.query, data=call.data)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    content = response.content
    if content[:2] == b"PK":  # an xlsx export: read its cells
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8", "replace")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    sorted(k for k in PROBES if any(p.key == _pattern_key(k) for p in _checked())),
)
def test_scoped_user_cannot_reach_another_districts_objects(key, world):
    pattern = next(p for p in _checked() if p.key == _pattern_key(key))
    probe = PROBES[key]
    ctx = Ctx(pattern, world, probe)
    with time_machine.travel(NOW, tick=False):
        if probe.kind == "custom":
            probe.check(ctx)
            return
        foreign = _request(ctx, probe, world.foreign)
        if probe.kind == "list":
            assert foreign.status_code == 200, (key, foreign.status_code)
            assert probe.marker(world.foreign) not in _body(foreign), (
                f"{key} shows the other district's {probe.marker(world.foreign)!r}"
            )
            own = _request(ctx, probe, world.own)
            assert own.status_code == 200, (key, own.status_code)
            text = _body(own)
            assert probe.marker(world.own) in text, (
                f"{key}: the own district's {probe.marker(world.own)!r} is missing, "
                "so the probe proves nothing"
            )
            assert probe.marker(world.foreign) not in text, (
                f"{key} shows the other district's {probe.marker(world.foreign)!r}"
            )
            return
        assert foreign.status_code in probe.refused, (
            f"{key}: another district's object answered {foreign.status_code}, "
            f"expected one of {probe.refused}: {foreign.content[:300]!r}"
        )
        own = _request(ctx, probe, world.own)
        assert own.status_code not in probe.refused and own.status_code < 500, (
            f"{key}: the own district's object answered {own.status_code}, so the "
            f"refusal proves nothing: {own.content[:300]!r}"
        )


@pytest.mark.django_db
def test_admin_refuses_a_scoped_desk_user(world):
    client = APIClient()
    client.force_login(world.scoped_user)
    for url in ("/admin/", "/admin/workorders/workorder/", "/admin/org/technician/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
