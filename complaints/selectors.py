"""Read queries for complaints, penalties and callbacks (API, tasks, payroll)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from dispatch_center.roles import Role, roles_of
from org.models import StaffProfile
from workorders.models import Kind, Status, WorkOrder

from . import rules
from .models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintPolicy,
    ComplaintStep,
    ComplaintSubCategory,
    PenaltyStatus,
    PenaltyTicket,
)


def complaint_policy() -> ComplaintPolicy:
    """The policy row (unsaved defaults when the admin deleted it)."""
    return ComplaintPolicy.objects.order_by("pk").first() or ComplaintPolicy()


# --- complaints ------------------------------------------------------------------


def complaints_detailed() -> QuerySet[Complaint]:
    """Complaints with what their representation shows, in three queries."""
    return Complaint.objects.select_related(
        "sub_category", "district", "work_order"
    ).prefetch_related(
        Prefetch(
            "steps",
            queryset=ComplaintStep.objects.select_related("owner", "done_by"),
        ),
        Prefetch(
            "penalties",
            queryset=PenaltyTicket.objects.select_related(
                "technician", "user", "complaint"
            ),
        ),
    )


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints the user may see; a district-scoped user sees that district's
    and the not yet routed ones (the back-office pool)."""
    qs = complaints_detailed()
    if not roles_of(user):
        return qs.none()
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(Q(district_id=profile.district_id) | Q(district__isnull=True))
    return qs


#: Roles that work every complaint of their scope (96133 back office, city
#: quality department, determination).
BACK_OFFICE_READERS = frozenset({Role.SUPERVISOR, Role.MANAGER})


def complaints_for_desk(user) -> QuerySet[Complaint]:
    """The complaints desk's scope, the union of what each of the user's roles sees.

    - supervisors and managers: as the API (``complaints_visible_to``);
    - a responsible department's handler: the complaints assigned to its own
      department (``StaffProfile.department``), in its district when scoped;
      none without a department;
    - a hotline agent: the complaints they opened.
    """
    roles = roles_of(user)
    if roles & BACK_OFFICE_READERS:
        return complaints_visible_to(user)
    match = Q(pk__in=[])
    if Role.DEPARTMENT_HANDLER in roles:
        profile = getattr(user, "staff_profile", None)
        department = profile.department.strip() if profile is not None else ""
        if department:
            mine = Q(department=department)
            if profile.district_id is not None:
                mine &= Q(district_id=profile.district_id)
            match |= mine
    if Role.HOTLINE_AGENT in roles:
        match |= Q(created_by=user)
    return complaints_detailed().filter(match)


def known_departments(district_id: int | None = None) -> list[str]:
    """Departments that have a handler (suggestions when assigning one)."""
    qs = StaffProfile.objects.exclude(department="").filter(
        user__is_active=True, user__groups__name=Role.DEPARTMENT_HANDLER
    )
    if district_id is not None:
        qs = qs.filter(Q(district_id=district_id) | Q(district__isnull=True))
    return sorted(set(qs.values_list("department", flat=True)))


def categories() -> list[dict]:
    """The three quality networks, each with its active sub-items."""
    subs = ComplaintSubCategory.objects.filter(active=True).order_by(
        "sort_order", "code"
    )
    grouped: dict[str, list[ComplaintSubCategory]] = defaultdict(list)
    for sub in subs:
        grouped[sub.category].append(sub)
    return [
        {"code": code, "name": str(name), "sub_categories": grouped.get(code, [])}
        for code, name in ComplaintCategory.choices
    ]


def complaint_timeline(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor").order_by("at", "id")


def previous_complaint_at(
    *, customer_id: int | None, phone: str, before: datetime
) -> datetime | None:
    """When the same customer (or, unknown, the same phone) last complained."""
    match = Q(phone=phone)
    if customer_id is not None:
        match |= Q(customer_id=customer_id)
    return (
        Complaint.objects.filter(match, received_at__lte=before)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )


def due_steps(now: datetime) -> QuerySet[ComplaintStep]:
    """Open steps with an alert due: the partial index ``complaintstep_due``."""
    return ComplaintStep.objects.filter(next_check_at__lte=now).order_by(
        "next_check_at", "id"
    )


def due_supervisions(now: datetime) -> QuerySet[Complaint]:
    return Complaint.objects.filter(supervise_at__lte=now).order_by("supervise_at")


def due_commitments(now: datetime) -> QuerySet[Complaint]:
    """Unanswered complaints with a commitment alert due (partial index)."""
    return Complaint.objects.filter(commitment_check_at__lte=now).order_by(
        "commitment_check_at"
    )


def due_penalty_reports(now: datetime) -> QuerySet[PenaltyTicket]:
    return PenaltyTicket.objects.filter(
        status=PenaltyStatus.DRAFT, report_warned=False, report_due__lte=now
    ).order_by("report_due")


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str


@dataclass
class Staff:
    """Users of the complaint roles with their district, loaded in one query.

    People of a role for a district: those scoped to it, else the unscoped
    (city-wide) ones — the same rule as the SLA notices.
    """

    by_role: dict[str, list[tuple[Person, int | None]]] = field(default_factory=dict)
    #: department name → its handlers (责任部门处理人) with their district
    by_department: dict[str, list[tuple[Person, int | None]]] = field(
        default_factory=dict
    )

    @classmethod
    def load(cls) -> Staff:
        by_role: dict[str, list[tuple[Person, int | None]]] = defaultdict(list)
        by_department: dict[str, list[tuple[Person, int | None]]] = defaultdict(list)
        roles = [
            Role.HOTLINE_AGENT,
            Role.SUPERVISOR,
            Role.MANAGER,
            Role.DEPARTMENT_HANDLER,
        ]
        rows = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=roles)
            .values_list(
                "id",
                "username",
                "groups__name",
                "staff_profile__district_id",
                "staff_profile__department",
            )
            .order_by("id")
        )
        for user_id, username, role, district_id, department in rows:
            person = Person(user_id, username)
            if role == Role.DEPARTMENT_HANDLER:
                if department:
                    by_department[department.strip()].append((person, district_id))
            else:
                by_role[role].append((person, district_id))
        return cls(dict(by_role), dict(by_department))

    def of_department(self, department: str, district_id: int | None) -> list[Person]:
        """A department's handlers: those of the complaint's district, or
        city-wide ones (a handler scoped to another district never)."""
        return [
            p
            for p, d in self.by_department.get(department.strip(), [])
            if d is None or d == district_id
        ]

    def of_role(self, role: str, district_id: int | None) -> list[Person]:
        people = self.by_role.get(role, [])
        if district_id is not None:
            mine = [p for p, d in people if d == district_id]
            if mine:
                return mine
        return [p for p, d in people if d is None]


# --- penalties ---------------------------------------------------------------------


def penalties_visible_to(user) -> QuerySet[PenaltyTicket]:
    qs = PenaltyTicket.objects.select_related(
        "complaint", "technician", "user", "complaint__district"
    )
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(complaint__district_id=profile.district_id)
    return qs


class PenaltyLine(NamedTuple):
    """One published penalty of a person, for payroll's 单项奖罚."""

    technician_id: int | None
    user_id: int | None
    amount: Decimal
    complaint_number: str


def penalties_for_month(month: str) -> list[PenaltyLine]:
    """Published penalty tickets of ``month`` (``YYYY-MM``) against a person.

    Each line names either a technician (``technician_id``) or another staff
    member (``user_id``), never both; department-only tickets are not
    personal pay and are left out. Drafts do not count until published.
    """
    if not rules.month_valid(month):
        raise ValueError("month must be YYYY-MM")
    rows = (
        PenaltyTicket.objects.filter(month=month, status=PenaltyStatus.PUBLISHED)
        .filter(Q(technician__isnull=False) | Q(user__isnull=False))
        .order_by("id")
        .values_list("technician_id", "user_id", "amount", "complaint__number")
    )
    return [PenaltyLine(*row) for row in rows]


# --- callbacks ----------------------------------------------------------------------


def callbacks_due(
    orders: QuerySet[WorkOrder], *, now: datetime, policy: ComplaintPolicy
) -> QuerySet[WorkOrder]:
    """Completed orders still inside their callback window and not called back,
    oldest completion first (the nearest to its limit on top), each with its
    ``callback_due`` (completion + the window of its kind)."""
    install_window = timedelta(days=policy.callback_install_days)
    repair_window = timedelta(days=policy.callback_repair_days)
    install_from = now - install_window
    repair_from = now - repair_window
    due = Case(
        When(
            kind__in=[Kind.INSTALL, Kind.MOVE],
            then=ExpressionWrapper(
                F("completed_at") + Value(install_window),
                output_field=DateTimeField(),
            ),
        ),
        default=ExpressionWrapper(
            F("completed_at") + Value(repair_window), output_field=DateTimeField()
        ),
        output_field=DateTimeField(),
    )
    return (
        orders.annotate(callback_due=due)
        .filter(status__in=[Status.COMPLETED, Status.CLOSED])
        .filter(
            Q(kind__in=[Kind.INSTALL, Kind.MOVE], completed_at__gte=install_from)
            | Q(kind=Kind.REPAIR, completed_at__gte=repair_from)
        )
        # the longer window's start as a plain range too: the completed_at
        # index reads the last days instead of every kept order
        .filter(
            completed_at__gte=min(install_from, repair_from),
            completed_at__lte=now,
            callback__isnull=True,
        )
        .order_by("completed_at", "id")
    )


# --- weekly analysis ------------------------------------------------------------------


@dataclass
class WeekStats:
    week: date
    start: datetime
    end: datetime
    total: int
    by_category: list[dict]
    by_sub_category: list[dict]
    by_channel: list[dict]
    repeat: int
    escalated: int
    work_order_linked: int
    work_order_share: float | None


def complaint_week_stats(monday: date, *, base: QuerySet[Complaint]) -> WeekStats:
    """One week's complaints (received Monday 00:00 to Monday 00:00 local):
    counts per quality network, sub-item and channel (zeros included, so two
    weeks line up), repeat and escalated counts, and the share linked to a
    work order (install/repair-related)."""
    start, end = rules.week_bounds(monday)
    qs = base.order_by().filter(received_at__gte=start, received_at__lt=end)
    totals = qs.aggregate(
        total=Count("id"),
        repeat=Count("id", filter=Q(is_repeat=True)),
        escalated=Count("id", filter=Q(escalated=True)),
        linked=Count("id", filter=Q(work_order__isnull=False)),
    )
    per_category = dict(qs.values_list("category").annotate(n=Count("id")))
    per_channel = dict(qs.values_list("channel").annotate(n=Count("id")))
    per_sub = dict(qs.values_list("sub_category_id").annotate(n=Count("id")))
    subs = ComplaintSubCategory.objects.filter(
        Q(active=True) | Q(id__in=list(per_sub))
    ).order_by("sort_order", "code")
    return WeekStats(
        week=monday,
        start=start,
        end=end,
        total=totals["total"],
        by_category=[
            {"code": code, "name": str(label), "count": per_category.get(code, 0)}
            for code, label in ComplaintCategory.choices
        ],
        by_sub_category=[
            {
                "code": sub.code,
                "name": sub.name,
                "category": sub.category,
                "count": per_sub.get(sub.pk, 0),
            }
            for sub in subs
        ],
        by_channel=[
            {"code": code, "name": str(label), "count": per_channel.get(code, 0)}
            for code, label in Channel.choices
        ],
        repeat=totals["repeat"],
        escalated=totals["escalated"],
        work_order_linked=totals["linked"],
        work_order_share=rules.share(totals["linked"], totals["total"]),
    )
