"""The dispatcher desk's technicians panel: the technicians in scope, 20 a
page, with their facts (duty, load, work hours) for the page only.

``technician_scope`` and ``technicians_in`` also build the panel's change
marker (``desk_markers.technicians_marker``), so the marker and the panel
always list the same technicians in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q

from dispatch import selectors as dispatch_selectors
from org.models import Technician

from .selectors import TechnicianRow, user_district_id

TECHNICIANS_PER_PAGE = 20

TECH_STATES = ("on_duty", "off_duty", "full")


@dataclass
class TechnicianPage:
    rows: list
    page: Page
    total: int


def technicians_queryset(user, filters: dict, *, text: str):
    """The technicians the panel lists, in its order: the user's scope, the
    desk's district/area/group filters, the panel's name or code search."""
    return technicians_in(technician_scope(user, filters, text=text))


def technician_scope(user, filters: dict, *, text: str) -> dict:
    """What narrows the technicians panel, only what is set: ``district``
    (the user's, else the desk's filter), ``area``, ``group`` (ids) and
    ``text`` (the name or code searched)."""
    scope = {
        "district": user_district_id(user) or filters.get("district"),
        "area": filters.get("area"),
        "group": filters.get("group"),
    }
    scope = {k: int(v) for k, v in scope.items() if v}
    if text.strip():
        scope["text"] = text.strip()
    return scope


def technicians_in(scope: dict):
    """The technicians of a ``technician_scope``, in the panel's order."""
    qs = Technician.objects.order_by("group__code", "code")
    if "district" in scope:
        qs = qs.filter(group__area__district_id=scope["district"])
    if "area" in scope:
        qs = qs.filter(group__area_id=scope["area"])
    if "group" in scope:
        qs = qs.filter(group_id=scope["group"])
    if "text" in scope:
        text = scope["text"]
        qs = qs.filter(Q(name__contains=text) | Q(code__icontains=text))
    return qs


def technicians_page(
    user, filters: dict, *, text: str, state: str, page, now: datetime
) -> TechnicianPage:
    """The technicians in scope, filtered by name/code and duty state, 20 a
    page. Without a state filter the page is cut first and only its 20
    technicians get their facts (four queries), whatever the scope's size; a
    state filter needs every technician's facts to know who is in it."""
    qs = technicians_queryset(user, filters, text=text).select_related(
        "group", "home_package_area"
    )
    if state not in TECH_STATES:
        current = Paginator(qs, TECHNICIANS_PER_PAGE).get_page(page)
        technicians = list(current.object_list)
        facts = _technician_facts(technicians, now)
        rows = [TechnicianRow(t, facts[t.pk]) for t in technicians]
        return TechnicianPage(rows, current, current.paginator.count)
    technicians = list(qs)
    facts = _technician_facts(technicians, now)
    rows = [TechnicianRow(t, facts[t.pk]) for t in technicians]
    if state == "on_duty":
        rows = [r for r in rows if r.facts.on_duty]
    elif state == "off_duty":
        rows = [r for r in rows if not r.facts.on_duty]
    elif state == "full":
        rows = [r for r in rows if r.facts.open_orders >= r.facts.capacity]
    current = Paginator(rows, TECHNICIANS_PER_PAGE).get_page(page)
    return TechnicianPage(list(current.object_list), current, len(rows))


def _technician_facts(technicians: list, now: datetime) -> dict:
    return dispatch_selectors.technician_facts(
        technicians,
        now=now,
        policy=dispatch_selectors.dispatch_policy(),
        hours=dispatch_selectors.work_hours_table(),
    )
