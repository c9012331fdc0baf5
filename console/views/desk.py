"""综合调度台's polled and auxiliary panels: the queue (with its ETag), the
technicians (paged, filterable), the map's data and the navigation counts."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch_center.console import role_required

from .. import desk_markers, desk_selectors
from ..forms import TechnicianFilterForm
from .dispatcher import DESK_ROLES, POLL_SECONDS, _filters, _querystring
from .polling import (
    counts_etag,
    not_modified,
    technicians_context,
    technicians_etag,
    with_etag,
)

#: Seconds between two refreshes of the navigation counts.
COUNTS_POLL_SECONDS = 30


@require_GET
@role_required(*DESK_ROLES)
def technicians_partial(request):
    """The technicians panel alone (its filter, its pages, its poll): ``304``
    from the marker of what its page shows (its technicians, their rota today
    and their load), without their facts or the render."""
    now = timezone.now()
    _form, filters = _filters(request, poll=True)
    wanted = TechnicianFilterForm(request.GET).filters()
    marker = desk_markers.technicians_marker(
        request.user,
        filters,
        text=wanted.get("tq", ""),
        state=wanted.get("tstate", ""),
        page=request.GET.get("tpage", 1),
        now=now,
    )
    etag = technicians_etag(request, marker)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    response = render(
        request,
        "console/partials/technicians.html",
        {
            "now": now,
            "poll_seconds": POLL_SECONDS,
            "tech_qs": _querystring(request, drop=("tpage",)),
            "tech_etag": etag,
            **technicians_context(request, filters, now),
        },
    )
    return with_etag(response, etag)


@require_GET
@role_required(*DESK_ROLES)
def map_data(request):
    """Open orders coloured by SLA state and technicians' last positions (JSON
    for the map panel), within the user's scope and the desk's filters."""
    now = timezone.now()
    _form, filters = _filters(request, poll=True)
    return JsonResponse(desk_selectors.map_points(request.user, filters, now=now))


@require_GET
@role_required(*DESK_ROLES)
def counts(request):
    """The navigation's live counts (a small partial, polled): ``304`` from
    the counts marker, without counting a day of SLA events."""
    now = timezone.now()
    etag = counts_etag(request, desk_markers.counts_marker(request.user), now)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    found = desk_selectors.desk_counts(request.user, now=now)
    response = render(
        request,
        "console/partials/nav_counts.html",
        {
            "counts": found,
            "counts_poll_seconds": COUNTS_POLL_SECONDS,
            "counts_etag": etag,
        },
    )
    return with_etag(response, etag)
