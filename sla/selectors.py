"""Read queries of the SLA control: who is told, pending approvals, rates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet

from dispatch_center.roles import Role, roles_of
from workorders.models import WorkOrder

from .models import Approval, EscalationContact


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    title: str = ""


class Recipients:
    """Staff to tell, loaded in two queries and then answered from memory.

    A scan batch of a thousand due orders must not cost a query per order:
    the dispatchers, supervisors and escalation contacts of the whole city
    are a few hundred rows at most.

    - dispatchers/supervisors of an order: those scoped to its district
      (``org.StaffProfile``); when there are none, the unscoped (city-wide) ones;
    - escalation level n: the area's contacts for n, else the city-wide
      contacts for n, else the order's dispatchers.
    """

    def __init__(self, staff: dict[str, list[tuple[Person, int | None]]], contacts):
        self._staff = staff
        self._contacts: dict[tuple[int | None, int], list[Person]] = contacts

    @classmethod
    def load(cls) -> Recipients:
        staff: dict[str, list[tuple[Person, int | None]]] = defaultdict(list)
        rows = (
            get_user_model()
            .objects.filter(
                is_active=True, groups__name__in=[Role.DISPATCHER, Role.SUPERVISOR]
            )
            .values_list("id", "username", "groups__name", "staff_profile__district_id")
            .order_by("id")
        )
        for user_id, username, role, district_id in rows:
            staff[role].append((Person(user_id, username), district_id))
        contacts: dict[tuple[int | None, int], list[Person]] = defaultdict(list)
        for area_id, level, user_id, username, title in (
            EscalationContact.objects.filter(user__is_active=True)
            .values_list("area_id", "level", "user_id", "user__username", "title")
            .order_by("id")
        ):
            contacts[(area_id, level)].append(Person(user_id, username, title))
        return cls(dict(staff), dict(contacts))

    def _scoped(self, role: str, district_id: int) -> list[Person]:
        people = self._staff.get(role, [])
        mine = [p for p, d in people if d == district_id]
        return mine or [p for p, d in people if d is None]

    def dispatchers(self, order: WorkOrder) -> list[Person]:
        return self._scoped(Role.DISPATCHER, order.district_id)

    def supervisors(self, order: WorkOrder) -> list[Person]:
        return self._scoped(Role.SUPERVISOR, order.district_id)

    def escalation(self, order: WorkOrder, level: int) -> list[Person]:
        area_id = order.group.area_id
        return (
            self._contacts.get((area_id, level))
            or self._contacts.get((None, level))
            or self.dispatchers(order)
        )

    @staticmethod
    def technician(order: WorkOrder) -> list[Person]:
        technician = order.technician
        if technician is None or technician.user_id is None:
            return []
        return [Person(technician.user_id, technician.code, technician.name)]


def approvals_visible_to(user) -> QuerySet[Approval]:
    """Approvals on the orders the user may see (same scoping as the orders)."""
    qs = Approval.objects.select_related(
        "order", "requested_by", "decided_by"
    ).order_by("requested_at", "id")
    roles = roles_of(user)
    if not roles:
        return qs.none()
    if roles == {Role.TECHNICIAN}:
        technician = getattr(user, "technician", None)
        return qs.filter(order__technician=technician) if technician else qs.none()
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(order__district_id=profile.district_id)
    return qs


@dataclass(frozen=True)
class FirstResponseRate:
    dispatched: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.dispatched if self.dispatched else None


def first_response_rate(start: datetime, end: datetime) -> FirstResponseRate:
    """30分钟首次响应率 of the orders dispatched in ``[start, end)``: the share
    whose customer was contacted by ``first_response_due`` (the due time is
    moved by an approved suspension, like the rest of the internal clock)."""
    counts = WorkOrder.objects.filter(
        dispatched_at__gte=start, dispatched_at__lt=end
    ).aggregate(
        dispatched=Count("id"),
        on_time=Count(
            "id",
            filter=Q(
                first_contact_at__isnull=False,
                first_contact_at__lte=F("first_response_due"),
            ),
        ),
    )
    return FirstResponseRate(counts["dispatched"], counts["on_time"])
