"""Read queries of the complaints desk: queues by step with countdowns, one
complaint's page, the weekly analysis. Everything starts from
``complaints_for_desk`` (role and district scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from complaints import rules as complaint_rules
from complaints.models import Complaint, ComplaintStatus, ComplaintStep
from complaints.selectors import (
    WeekStats,
    complaint_timeline,
    complaint_week_stats,
    complaints_for_desk,
)
from org.models import District
from workorders.selectors import service_policy

from . import rules

PAGE_SIZE = 50
OPEN_STEPS = list(complaint_rules.STEPS)


@dataclass
class ComplaintRow:
    complaint: Complaint
    step: ComplaintStep | None
    tone: str
    minutes_left: int | None
    commitment_minutes: int | None


def open_step_of(complaint: Complaint) -> ComplaintStep | None:
    """The open step, from the prefetched steps (no query)."""
    for step in complaint.steps.all():
        if step.done_at is None:
            return step
    return None


def complaint_row(complaint: Complaint, now: datetime, warn_percent: int):
    step = open_step_of(complaint)
    tone, left = rules.OK, None
    if step is not None:
        tone = rules.sla_tone(
            now=now,
            accepted_at=step.started_at,
            sla_deadline=step.due_at,
            warn_percent_used=warn_percent,
            warn_minutes_before=0,
        )
        left = rules.minutes_left(now, step.due_at)
    commitment = None
    if complaint.answered_at is None and complaint.status != ComplaintStatus.CLOSED:
        commitment = rules.minutes_left(now, complaint.commitment_due)
    return ComplaintRow(complaint, step, tone, left, commitment)


@dataclass
class Queue:
    step: str
    counts: list[dict]
    rows: list[ComplaintRow]
    page: Page
    overdue: int


def queue(user, *, step: str, query: str, page, now: datetime) -> Queue:
    """One step's complaints, the nearest to its limit first; counts per step.

    ``step`` is a step code, ``"open"`` (every open step), ``"overdue"`` or
    ``"closed"``.
    """
    base = complaints_for_desk(user)
    per_status = dict(
        base.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    overdue = base.filter(status__in=OPEN_STEPS, current_step_due__lt=now).count()
    counts = [
        {
            "code": "open",
            "label": None,
            "count": sum(per_status.get(s, 0) for s in OPEN_STEPS),
        },
        {"code": "overdue", "label": None, "count": overdue},
        *(
            {
                "code": s,
                "label": ComplaintStatus(s).label,
                "count": per_status.get(s, 0),
            }
            for s in OPEN_STEPS
        ),
        {
            "code": "closed",
            "label": ComplaintStatus.CLOSED.label,
            "count": per_status.get("closed", 0),
        },
    ]
    qs = base
    if step in OPEN_STEPS:
        qs = qs.filter(status=step).order_by("current_step_due", "id")
    elif step == "overdue":
        qs = qs.filter(status__in=OPEN_STEPS, current_step_due__lt=now).order_by(
            "current_step_due", "id"
        )
    elif step == "closed":
        qs = qs.filter(status=ComplaintStatus.CLOSED).order_by("-closed_at", "-id")
    else:
        qs = qs.filter(status__in=OPEN_STEPS).order_by("current_step_due", "id")
    if query:
        qs = qs.filter(Q(number__iexact=query) | Q(phone=query))
    paginated = Paginator(qs, PAGE_SIZE).get_page(page)
    warn = service_policy().sla.warn_percent_used
    rows = [complaint_row(c, now, warn) for c in paginated.object_list]
    return Queue(step, counts, rows, paginated, overdue)


def complaint_for(user, pk: int) -> Complaint | None:
    return complaints_for_desk(user).filter(pk=pk).first()


@dataclass
class ComplaintPage:
    row: ComplaintRow
    steps: list[ComplaintStep]
    events: QuerySet
    penalties: list


def complaint_page(complaint: Complaint, *, now: datetime) -> ComplaintPage:
    warn = service_policy().sla.warn_percent_used
    return ComplaintPage(
        row=complaint_row(complaint, now, warn),
        steps=list(complaint.steps.all()),
        events=complaint_timeline(complaint),
        penalties=list(complaint.penalties.all()),
    )


def districts_for(user) -> QuerySet[District]:
    profile = getattr(user, "staff_profile", None)
    qs = District.objects.order_by("code")
    if profile is not None and profile.district_id is not None:
        qs = qs.filter(pk=profile.district_id)
    return qs


def week_analysis(user, monday: date) -> tuple[WeekStats, WeekStats]:
    """This week's and the previous week's stats over the user's complaints."""
    base = complaints_for_desk(user)
    before = complaint_rules.previous_week(monday)
    return (
        complaint_week_stats(monday, base=base),
        complaint_week_stats(before, base=base),
    )
