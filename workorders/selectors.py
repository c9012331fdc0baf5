"""Read queries for work orders, the console, the API and tasks."""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from dispatch_center.roles import Role, roles_of

from . import rules
from .models import ServicePolicy, StandardLimitRow, WorkOrder, WorkOrderEvent


@dataclass(frozen=True)
class PolicySnapshot:
    deadline: rules.DeadlinePolicy
    first_response_minutes: int


_policy_lock = threading.Lock()
_policy_cache: tuple[float, PolicySnapshot] | None = None


def service_policy() -> PolicySnapshot:
    """The deadline policy, cached per process for ``POLICY_CACHE_SECONDS``.

    Intake is the hot path; the policy changes a few times a year. An edit in
    the admin is in force everywhere within the cache period.
    """
    global _policy_cache
    ttl = settings.POLICY_CACHE_SECONDS
    now = _time.monotonic()
    cached = _policy_cache
    if cached is not None and ttl > 0 and now - cached[0] < ttl:
        return cached[1]
    row = ServicePolicy.objects.order_by("pk").first() or ServicePolicy()
    limits = tuple(r.as_rule() for r in StandardLimitRow.objects.all())
    snapshot = PolicySnapshot(
        deadline=rules.DeadlinePolicy(
            cutoff=row.same_day_cutoff,
            same_day_products=frozenset(row.same_day_products),
            same_day_segments=frozenset(row.same_day_segments),
            mandatory_area_types=frozenset(row.mandatory_area_types),
            repair_after_cutoff_hours=row.repair_after_cutoff_hours,
            late_install_counts_as_same_day=row.late_install_counts_as_same_day,
            standard_limits=limits,
        ),
        first_response_minutes=row.first_response_minutes,
    )
    with _policy_lock:
        _policy_cache = (now, snapshot)
    return snapshot


def policy_cache_clear() -> None:
    global _policy_cache
    with _policy_lock:
        _policy_cache = None


def orders_visible_to(user) -> QuerySet[WorkOrder]:
    """Orders the user may see: technicians their own, scoped users their district."""
    qs = WorkOrder.objects.select_related(
        "customer", "package_area", "technician", "group", "district"
    )
    roles = roles_of(user)
    if not roles:
        return qs.none()
    if roles == {Role.TECHNICIAN}:
        technician = getattr(user, "technician", None)
        return qs.filter(technician=technician) if technician else qs.none()
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(district_id=profile.district_id)
    return qs


def order_timeline(order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    return order.events.select_related("actor").order_by("at", "id")
