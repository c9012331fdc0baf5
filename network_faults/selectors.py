"""Read queries on network faults for the API, the console and the reports."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from dispatch_center.roles import roles_of
from org.models import PackageArea
from workorders import rules as wo_rules
from workorders.models import Customer, FaultHold

from .models import FaultStatus, NetworkFault

#: Restored faults listed on the desk's panel at most (to be closed).
RESTORED_ON_DESK = 20


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
        # restored, waiting for someone to close the loop (the latest first)
        "restored": list(
            qs.filter(status=FaultStatus.RESTORED).order_by("-restored_at", "-pk")[
                :RESTORED_ON_DESK
            ]
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


def faults_on_map(
    user,
    *,
    district_id: int | None = None,
    area_id: int | None = None,
    group_id: int | None = None,
) -> list[dict]:
    """Suspected and confirmed faults for the dispatcher desk's map.

    Each fault the user may see (``faults_visible_to``: a district-scoped
    user only those touching their district), at the positions of its
    package areas that have coordinates and lie within the user's district
    and the desk's filters (district, area, group); a fault with no such
    package area is not drawn.
    """
    areas = PackageArea.objects.filter(lat__isnull=False, lng__isnull=False)
    profile = getattr(user, "staff_profile", None)
    own = profile.district_id if profile is not None else None
    for key, value in (
        ("group__area__district_id", own),
        ("group__area__district_id", district_id),
        ("group__area_id", area_id),
        ("group_id", group_id),
    ):
        if value:
            areas = areas.filter(**{key: value})
    faults = list(
        faults_visible_to(user)
        .filter(
            status__in=[FaultStatus.SUSPECTED, FaultStatus.CONFIRMED],
            pk__in=NetworkFault.package_areas.through.objects.filter(
                packagearea_id__in=areas.values("pk")
            ).values("networkfault_id"),
        )
        .order_by("started_at", "pk")
    )
    where: dict[int, list[dict]] = {}
    for fault_id, code, name, lat, lng in (
        NetworkFault.package_areas.through.objects.filter(
            networkfault_id__in=[f.pk for f in faults],
            packagearea_id__in=areas.values("pk"),
        )
        .order_by("packagearea__code")
        .values_list(
            "networkfault_id",
            "packagearea__code",
            "packagearea__name",
            "packagearea__lat",
            "packagearea__lng",
        )
    ):
        where.setdefault(fault_id, []).append(
            {"code": code, "name": name, "lat": lat, "lng": lng}
        )
    return [
        {
            "id": f.pk,
            "number": f.number,
            "status": f.status,
            "status_display": str(f.get_status_display()),
            "cause": f.cause,
            "eta": f"{wo_rules.local(f.eta):%m-%d %H:%M}" if f.eta else "",
            "linked": f.linked_count,
            "url": reverse("fault-page", args=[f.pk]),
            "areas": where[f.pk],
        }
        for f in faults
        if f.pk in where
    ]
