"""How the scope walk reaches every URL pattern (``tests/scope/test_walk.py``).

Every URL pattern of the project (API and pages) must be named here, by its URL
name (or its route when it has none), either

* in ``PROBES``: how to call it for one district's objects. The walk calls it
  as a district-scoped user (``world.STAFF_ROLES``, district D1) once for the
  foreign district's objects and once for its own, and requires

  - ``kind="object"`` (default): the foreign call answers one of ``refused``
    (default 403/404; 400 when the object is named in the body or query, which
    must then read like an unknown one) and the own call answers anything but
    ``refused`` and 5xx — so the refusal is the district, not the role;
  - ``kind="list"``: both calls answer 200, the own body shows the own side's
    ``marker`` and the foreign body never shows the foreign side's;
  - ``kind="custom"``: ``check(ctx)`` asserts whatever proves it (e.g. the
    engine run leaves the foreign district's pending order alone);

* or in ``ALLOWED`` with the reason it needs no district scope (no data, the
  login itself, a schema), reviewed like code.

An unknown pattern fails the walk, and so does an entry naming a pattern that
no longer exists. A key ``name#variant`` probes pattern ``name`` once more
(an export format, a panel chosen by a query parameter).

**Adding an endpoint** (other apps, other branches): put its probe in a
``scope_probes.py`` next to your tests, e.g. ``tests/network_faults/scope_probes.py``::

    from tests.scope.registry import ALLOWED, PROBES, Call, Probe

    PROBES["network-fault-detail"] = Probe(
        lambda side, world: Call("get", {"pk": side.extra["fault"].pk})
    )
    ALLOWED["customer-page"] = "no login: an unguessable per-order token ..."

and, if it needs objects of its own, a ``scope_world(side, world)`` function in
the same module that creates them for one side and stores them in
``side.extra`` (it is called once per side after the base world is built).
Every ``tests/*/scope_probes.py`` is loaded by the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .world import Side, World


@dataclass(frozen=True)
class Call:
    method: str = "get"
    kwargs: dict = field(default_factory=dict)  # path parameters
    query: dict = field(default_factory=dict)
    data: dict | None = None  # JSON for /api/, form fields for pages


@dataclass(frozen=True)
class Probe:
    call: Callable[[Side, World], Call] | None = None
    kind: str = "object"  # object | list | custom
    refused: tuple[int, ...] = (403, 404)
    marker: Callable[[Side], str] = lambda side: side.marker
    check: Callable | None = None  # custom: check(ctx)
    actor: str = "staff"  # staff (scoped to D1) | technician (D1's T1)


PROBES: dict[str, Probe] = {}
ALLOWED: dict[str, str] = {}
#: Route prefixes handled as a whole, with the reason.
ALLOWED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: staff superusers only (city configuration); a scoped "
    "desk user is never is_staff — test_walk checks the redirect to the login",
}


def obj(fn, refused=(403, 404), actor="staff") -> Probe:
    return Probe(call=fn, refused=refused, actor=actor)


def listing(fn, marker=None, actor="staff") -> Probe:
    return Probe(
        call=fn,
        kind="list",
        marker=marker or (lambda side: side.marker),
        actor=actor,
    )


def custom(check) -> Probe:
    return Probe(kind="custom", check=check)


# --- allowed: no district data behind them --------------------------------------------

ALLOWED.update(
    {
        "home": "redirects each role to its desk; shows no data",
        "login": "the sign-in form",
        "logout": "signs out",
        "password_change": "the user's own password",
        "password_change_done": "static confirmation",
        "password_reset": "mails a reset link to the account's own address",
        "password_reset_done": "static confirmation",
        "password_reset_confirm": "token-checked reset of one's own password",
        "password_reset_complete": "static confirmation",
        "healthz": "database and broker reachability, no business data",
        "schema": "the OpenAPI schema: the contract, no data",
        "api-docs": "Swagger UI over the schema, no data",
        "set_language": "sets the UI language cookie",
        "reports/": "a redirect to /reports/quality/ (probed itself)",
        "technician-position": "a technician reports their own position; no object "
        "is named in the request",
        "console-tech-position": "the same, from the technician's phone page",
        "complaint-categories": "the configured category table, the same city-wide",
        "payroll-my-line-list": "a technician's own pay lines only (technician role)",
        "payroll-my-line-items": "a technician's own pay lines only (technician role)",
        "payroll-run-list": "a run's header (month, version, status, city totals) is "
        "one city-wide document; every per-technician figure (lines, items, diff, "
        "vendors, export) is scoped and probed; a scoped user may not create, "
        "review or lock (probed)",
        "payroll-run-detail": "the same run header as payroll-run-list",
        "payroll-run-diff": "compares the user's own lines of two runs "
        "(payroll.selectors.lines_of, the same scope as the probed lines)",
        "payroll-run-vendors": "sums the user's own lines only "
        "(payroll.selectors.lines_of); no vendor is named in the request",
    }
)
