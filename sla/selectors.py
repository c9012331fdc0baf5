"""Read queries of the SLA control: who is told, pending approvals, rates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet

from dispatch_center.roles import Role, roles_of
from org.models import Area, RegionGroup
from workorders.models import WorkOrder
from workorders.selectors import service_policy

from .models import Approval, EscalationContact


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    title: str = ""


class Recipients:
    """Staff to tell, loaded in a few queries and then answered from memory.

    A scan batch of a thousand due orders must not cost a query per order:
    the dispatchers, supervisors, managers, group leaders and escalation
    contacts of the whole city are a few hundred rows at most.

    - dispatchers/supervisors of an order: those scoped to its district
      (``org.StaffProfile``); when there are none, the unscoped (city-wide) ones;
    - escalation level n (SPEC §5): the area's contact rows for n, else the
      city-wide rows for n, else the defaults — level 1 the district's
      dispatchers and the group's leader, level 2 the district's managers,
      level 3 (and above) the centre's managers (no district scope). A level
      with nobody goes up a level (``escalation_for`` says which level's
      people were told); the admin lists such gaps (``escalation_gaps``).
    """

    def __init__(
        self,
        staff: dict[str, list[tuple[Person, int | None]]],
        contacts,
        leaders: dict[int, Person] | None = None,
        max_level: int = 3,
    ):
        self._staff = staff
        self._contacts: dict[tuple[int | None, int], list[Person]] = contacts
        self._leaders = leaders or {}
        self.max_level = max_level

    @classmethod
    def load(cls, max_level: int | None = None) -> Recipients:
        staff: dict[str, list[tuple[Person, int | None]]] = defaultdict(list)
        rows = (
            get_user_model()
            .objects.filter(
                is_active=True,
                groups__name__in=[Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER],
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
        leaders = {
            group_id: Person(user_id, username, "班组长")
            for group_id, user_id, username in RegionGroup.objects.filter(
                leader__isnull=False, leader__is_active=True
            ).values_list("id", "leader_id", "leader__username")
        }
        if max_level is None:
            max_level = service_policy().sla.max_level
        return cls(dict(staff), dict(contacts), leaders, max_level)

    def _scoped(self, role: str, district_id: int) -> list[Person]:
        people = self._staff.get(role, [])
        mine = [p for p, d in people if d == district_id]
        return mine or [p for p, d in people if d is None]

    def dispatchers(self, order: WorkOrder) -> list[Person]:
        return self._scoped(Role.DISPATCHER, order.district_id)

    def supervisors(self, order: WorkOrder) -> list[Person]:
        return self._scoped(Role.SUPERVISOR, order.district_id)

    def level_people(
        self, level: int, *, district_id: int, area_id: int, group_id: int | None
    ) -> list[Person]:
        """Who level ``level`` itself tells (no falling back to other levels)."""
        explicit = self._contacts.get((area_id, level)) or self._contacts.get(
            (None, level)
        )
        if explicit:
            return explicit
        if level == 1:
            leader = self._leaders.get(group_id)
            return [
                *self._scoped(Role.DISPATCHER, district_id),
                *([leader] if leader else []),
            ]
        managers = self._staff.get(Role.MANAGER, [])
        if level == 2:
            return [p for p, d in managers if d == district_id]
        return [p for p, d in managers if d is None]

    def escalation_for(self, order: WorkOrder, level: int) -> tuple[list[Person], int]:
        """The people told at ``level`` and the level they belong to: a level
        with nobody goes up a level; with nobody at any level, the order's
        dispatchers (never silently nobody)."""
        where = {
            "district_id": order.district_id,
            "area_id": order.group.area_id,
            "group_id": order.group_id,
        }
        for n in range(level, max(level, self.max_level) + 1):
            people = self.level_people(n, **where)
            if people:
                return people, n
        return self.dispatchers(order), level

    def escalation(self, order: WorkOrder, level: int) -> list[Person]:
        return self.escalation_for(order, level)[0]

    @staticmethod
    def technician(order: WorkOrder) -> list[Person]:
        technician = order.technician
        if technician is None or technician.user_id is None:
            return []
        return [Person(technician.user_id, technician.code, technician.name)]


@dataclass(frozen=True)
class EscalationGap:
    """An escalation level that has nobody in an area, and where it goes."""

    area: str
    district: str
    level: int
    goes_to: int | None  # the level whose people are told instead; None: nobody


def escalation_gaps() -> list[EscalationGap]:
    """Levels without contacts, per area (for the admin's warning)."""
    recipients = Recipients.load()
    gaps = []
    for area in Area.objects.select_related("district").order_by("code"):
        where = {"district_id": area.district_id, "area_id": area.pk, "group_id": None}
        for level in range(1, recipients.max_level + 1):
            if recipients.level_people(level, **where):
                continue
            goes_to = next(
                (
                    n
                    for n in range(level + 1, recipients.max_level + 1)
                    if recipients.level_people(n, **where)
                ),
                None,
            )
            gaps.append(EscalationGap(str(area), str(area.district), level, goes_to))
    return gaps


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
