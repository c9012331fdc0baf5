"""What the desk's polled panels share: the ETag of a poll, its ``304``, and
the technicians panel's context (also part of the full desk)."""

from __future__ import annotations

from django.http import HttpResponseNotModified
from django.utils.translation import get_language

from .. import desk_rules, desk_selectors
from ..forms import TechnicianFilterForm


def queue_etag(request, marker: str, now) -> str:
    """The queue partial's ETag: who asks, in which language, for which
    filters, sort and page, what the scope's orders are, and the minute (the
    countdowns)."""
    return desk_rules.poll_etag(
        "queue",
        request.user.pk,
        get_language(),
        request.GET.urlencode(),
        marker,
        desk_rules.minute_bucket(now),
    )


def side_etag(request, marker: str, now) -> str:
    """The side panels' ETag, like the queue's with the side marker."""
    return desk_rules.poll_etag(
        "side",
        request.user.pk,
        get_language(),
        request.GET.urlencode(),
        marker,
        desk_rules.minute_bucket(now),
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
        "technicians": desk_selectors.technicians_page(
            request.user,
            filters,
            text=wanted.get("tq", ""),
            state=wanted.get("tstate", ""),
            page=request.GET.get("tpage", 1),
            now=now,
        ),
    }
