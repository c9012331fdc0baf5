"""Request plumbing shared by every view: bad bytes in, database down.

Both are answered once here rather than in each view: an API path gets JSON
(clients parse it), a page gets a Chinese page that extends nothing that needs
the database.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the database does not answer.
RETRY_AFTER_SECONDS = 30


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _nul_parameter(request) -> str | None:
    """The first query or form parameter whose name or value holds a NUL byte.

    PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so
    such a value can never match or be stored: it is bad input, not a fault.
    """
    sources = [request.GET]
    # API bodies are JSON (a form body is DRF's 415, and reading request.POST
    # here would consume the stream DRF parses); serializers refuse NUL.
    if not is_api(request) and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "") or "?"
    return None


class RejectNulBytesMiddleware:
    """400 naming the parameter for a NUL byte anywhere in a query or form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = _nul_parameter(request)
        if name is None:
            return self.get_response(request)
        # it answers before LocaleMiddleware: speak the request's language,
        # not whatever the thread served last
        translation.activate(translation.get_language_from_request(request))
        if is_api(request):
            return JsonResponse({name: [_("不能包含空字符(NUL)。")]}, status=400)
        return render(request, "errors/bad_request.html", {"field": name}, status=400)


def database_down(exc: BaseException | None) -> bool:
    """Connection refused, lost or timed out (Django wraps every driver's)."""
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable_response(request) -> HttpResponse:
    """503 with ``Retry-After``: JSON for the API, a plain Chinese page else.

    The page renders without the request context: the navigation and the
    user's roles would need the database that just failed.
    """
    if is_api(request):
        response = JsonResponse(
            {
                "code": "database_unavailable",
                "detail": "The database is not reachable; retry later.",
            },
            status=503,
        )
    else:
        response = HttpResponse(
            render_to_string("errors/unavailable.html"),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503, not a traceback.

    ``handler500`` (urls.py) covers failures outside views (sessions,
    authentication in middleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_down(exception):
            return None
        log.error(
            "database unavailable on %s: %s",
            request.path,
            exception.__class__.__name__,
        )
        return database_unavailable_response(request)
