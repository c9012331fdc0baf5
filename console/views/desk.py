"""综合调度台's polled and auxiliary panels: the queue (with its ETag), the
technicians (paged, filterable), the map's data and the navigation counts."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch_center.console import role_required

from .. import desk_selectors
from .dispatcher import DESK_ROLES, POLL_SECONDS, _filters, _querystring
from .polling import technicians_context

#: Seconds between two refreshes of the navigation counts.
COUNTS_POLL_SECONDS = 30


@require_GET
@role_required(*DESK_ROLES)
def technicians_partial(request):
    """The technicians panel alone (its filter, its pages, its poll)."""
    now = timezone.now()
    _form, filters = _filters(request, poll=True)
    return render(
        request,
        "console/partials/technicians.html",
        {
            "now": now,
            "poll_seconds": POLL_SECONDS,
            "tech_qs": _querystring(request, drop=("tpage",)),
            **technicians_context(request, filters, now),
        },
    )


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
    """The navigation's live counts (a small partial, polled)."""
    now = timezone.now()
    found = desk_selectors.desk_counts(request.user, now=now)
    return render(
        request,
        "console/partials/nav_counts.html",
        {"counts": found, "counts_poll_seconds": COUNTS_POLL_SECONDS},
    )
