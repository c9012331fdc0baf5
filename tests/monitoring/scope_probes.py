"""The monitoring endpoints carry no district's objects."""

from tests.scope.registry import ALLOWED

ALLOWED.update(
    {
        "healthz-jobs": "job liveness and outbox counts for monitoring: no business "
        "object, no login (like /healthz)",
        "metrics": "city-wide operational figures for Prometheus, behind "
        "METRICS_TOKEN (no session user, no district objects)",
    }
)
