"""What the desk's polled panels share: the ETag of a poll, its ``304``, and
the technicians panel's context (also part of the full desk)."""

from __future__ import annotations

from django.http import HttpResponseNotModified
from django.utils.translation import get_language

from .. import desk_rules, desk_technicians
from ..forms import TechnicianFilterForm


def queue_etag(request, shown: str, now) -> str:
    """The queue partial's ETag: who asks, in which language, for which
    filters, sort and page, what the page shows of its orders, and the
    window bucket. No minute: the browser keeps the countdowns and SLA
    colours current. The bucket bounds how long a row shows a customer's or
    technician's former name (they change without the order)."""
    return desk_rules.poll_etag(
        "queue",
        request.user.pk,
        get_language(),
        request.GET.urlencode(),
        shown,
        desk_rules.window_bucket(now),
    )


def side_etag(request, marker: str, now) -> str:
    """The side panels' ETag, like the queue's with the side marker, and the
    window bucket: the SLA feed shows the last 24 hours, and an event turning
    24 hours old changes no marker."""
    return desk_rules.poll_etag(
        "side",
        request.user.pk,
        get_language(),
        request.GET.urlencode(),
        marker,
        desk_rules.window_bucket(now),
    )


def counts_etag(request, marker: str, now) -> str:
    """The navigation counts' ETag: the counts marker and the window bucket
    (warnings and escalations count the last 24 hours)."""
    return desk_rules.poll_etag(
        "counts",
        request.user.pk,
        get_language(),
        marker,
        desk_rules.window_bucket(now),
    )


def technicians_etag(request, marker: str) -> str:
    """The technicians panel's ETag, from ``desk_markers.technicians_marker``
    (which holds the day: the workload counts today's completions)."""
    return desk_rules.poll_etag(
        "technicians",
        request.user.pk,
        get_language(),
        request.GET.urlencode(),
        marker,
    )


def not_modified(request, etag: str):
    """A ``304`` when the poll already holds this ETag, else None."""
    if desk_rules.etag_matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response
    return None


def with_etag(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def technicians_context(request, filters: dict, now) -> dict:
    form = TechnicianFilterForm(request.GET)
    wanted = form.filters()
    return {
        "tech_form": form,
        "technicians": desk_technicians.technicians_page(
            request.user,
            filters,
            text=wanted.get("tq", ""),
            state=wanted.get("tstate", ""),
            page=request.GET.get("tpage", 1),
            now=now,
        ),
    }
