"""``/healthz/jobs`` (is every beat job running?) and ``/metrics`` (Prometheus).

``/healthz`` stays the web process's own check (database, broker): an
orchestrator restarts web on it, and must never do so for a dead beat or
worker. ``/healthz/jobs`` is for monitoring: 503 naming every overdue job.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from . import metrics, selectors, services


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def healthz_jobs(request):
    now = timezone.now()
    services.jobs_ensure(now=now)
    jobs = {}
    overdue = []
    for state in selectors.job_states(now):
        row = state.row
        if row.overdue_after_seconds is None:
            continue  # not a beat job (e.g. a one-off task)
        jobs[row.name] = {
            "last_started": _iso(row.last_started_at),
            "last_success": _iso(row.last_success_at),
            "last_failure": _iso(row.last_failure_at),
            "overdue_after_seconds": row.overdue_after_seconds,
            "overdue": state.overdue,
        }
        if state.overdue:
            overdue.append(row.name)
    outbox = selectors.outbox_counts()
    outbox["oldest_due"] = _iso(outbox["oldest_due"])
    body = {
        "status": "error" if overdue else "ok",
        "jobs": jobs,
        "outbox": outbox,
    }
    if overdue:
        body["overdue"] = overdue
        body["detail"] = "overdue: " + ", ".join(overdue)
    return JsonResponse(body, status=503 if overdue else 200)


def metrics_view(request):
    """Prometheus text format, for a scraper holding ``METRICS_TOKEN``.

    ``Authorization: Bearer <METRICS_TOKEN>``; without a configured token the
    endpoint does not exist (404), with a wrong or missing one it is 401.
    """
    token = settings.METRICS_TOKEN
    if not token:
        return JsonResponse({"detail": "Not found."}, status=404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JsonResponse({"detail": "Authentication required."}, status=401)
    body, content_type = metrics.scrape(now=timezone.now())
    return HttpResponse(body, content_type=content_type)
