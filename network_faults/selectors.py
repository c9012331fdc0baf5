"""Read queries on network faults for the API, the console and the reports."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from dispatch_center.roles import roles_of
from workorders.models import Customer, FaultHold

from .models import FaultStatus, NetworkFault


def faults_visible_to(user) -> QuerySet[NetworkFault]:
    """Faults the user may see: a district-scoped user only those touching
    a package area of their district."""
    qs = NetworkFault.objects.select_related("owner").annotate(
        linked_count=Count("linked_orders", distinct=True),
        intercepted_count=Count(
            "linked_orders",
            filter=Q(linked_orders__fault_intercepted=True),
            distinct=True,
        ),
    )
    if not roles_of(user):
        return qs.none()
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(
            pk__in=NetworkFault.objects.filter(
                package_areas__group__area__district_id=profile.district_id
            ).values("pk")
        )
    return qs


def faults_for_desk(user) -> dict[str, list[NetworkFault]]:
    qs = faults_visible_to(user).prefetch_related("package_areas")
    return {
        "suspected": list(
            qs.filter(status=FaultStatus.SUSPECTED).order_by("-created_at")
        ),
        "confirmed": list(
            qs.filter(status=FaultStatus.CONFIRMED).order_by("eta", "pk")
        ),
    }


def faults_for_customers(customers: list[Customer], user) -> list[NetworkFault]:
    """Confirmed faults covering a customer's package area (hotline interception)."""
    area_ids = {c.package_area_id for c in customers if c.package_area_id}
    if not area_ids:
        return []
    fault_ids = FaultHold.objects.filter(
        package_area_id__in=area_ids, confirmed=True
    ).values("fault_id")
    return list(
        faults_visible_to(user)
        .filter(pk__in=fault_ids, status=FaultStatus.CONFIRMED)
        .prefetch_related("package_areas")
        .order_by("eta", "pk")
    )
