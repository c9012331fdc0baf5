"""投诉处理台 (SPEC §7): queues by step with countdowns, one complaint with
its steps, actions and timeline, and the weekly analysis.

Who sees what: supervisors and managers (96133 back office, city quality
department) their scope; a responsible department's handler only its own
department's complaints; a hotline agent the complaints they opened.
Every action calls the complaint services; the table of who may act at which
step is ``complaint_forms.ACTIONS``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import rules as complaint_rules
from complaints import services as complaint_services
from complaints.models import ComplaintStatus, Outcome, PenaltyStatus
from complaints.selectors import known_departments, penalties_visible_to
from dispatch_center.console import role_required
from dispatch_center.roles import Role, roles_of

from .. import complaint_forms as f
from .. import complaint_selectors as selectors
from .common import form_errors_text, run

DESK_ROLES = (
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.DEPARTMENT_HANDLER,
    Role.HOTLINE_AGENT,
)
ANALYSTS = (Role.SUPERVISOR, Role.MANAGER)
STEP_FILTERS = {"open", "overdue", "closed", *complaint_rules.STEPS}


def _complaint_or_404(request, pk: int):
    complaint = selectors.complaint_for(request.user, pk)
    if complaint is None:
        raise Http404
    return complaint


@require_GET
@role_required(*DESK_ROLES)
def desk(request):
    """The queues: one step (or all open, overdue, closed) with countdowns."""
    step = request.GET.get("step", "open")
    if step not in STEP_FILTERS:
        step = "open"
    now = timezone.now()
    queue = selectors.queue(
        request.user,
        step=step,
        query=request.GET.get("q", "").strip(),
        page=request.GET.get("page", 1),
        now=now,
    )
    return render(
        request,
        "console/complaints/desk.html",
        {
            "queue": queue,
            "q": request.GET.get("q", ""),
            "can_analyse": bool(roles_of(request.user) & set(ANALYSTS)),
        },
    )


def _forms_for(request, complaint, actions, data=None, failed=None):
    """The form of each allowed action (the failed one bound to its data)."""
    departments = known_departments(complaint.district_id)
    builders = {
        complaint_rules.SUBMIT: lambda d: f.NoteForm(d),
        complaint_rules.CLOSE: lambda d: f.CloseForm(
            d,
            initial={
                "outcome": Outcome.INVALID
                if complaint.status == complaint_rules.FRONT_DESK
                else Outcome.NO_FAULT
            },
        ),
        complaint_rules.DISPATCH_TO_CITY: lambda d: f.DispatchToCityForm(
            d,
            districts=selectors.districts_for(request.user),
            initial={
                "district": complaint.work_order.district.code
                if complaint.work_order_id
                else ""
            },
        ),
        complaint_rules.ASSIGN_DEPARTMENT: lambda d: f.AssignDepartmentForm(
            d, departments=departments
        ),
        complaint_rules.ANSWER_CUSTOMER: lambda d: f.AnswerForm(d),
        complaint_rules.RETURN_TICKET: lambda d: f.NoteForm(d),
        complaint_rules.WRONG_DISPATCH: lambda d: f.NoteForm(d),
        complaint_rules.SUPERVISE: lambda d: f.SuperviseForm(d),
        complaint_rules.CALLBACK_CUSTOMER: lambda d: f.CallbackCustomerForm(d),
        complaint_rules.DETERMINE: lambda d: f.DetermineForm(d),
    }
    forms = []
    for action in actions:
        form = builders[action](data if action == failed else None)
        if action == failed and data is not None:
            form.is_valid()
        forms.append({"action": action, "label": f.action_label(action), "form": form})
    return forms, departments


def _detail(request, complaint, *, failed=None, data=None, form=None, status=200):
    now = timezone.now()
    roles = roles_of(request.user)
    actions = f.allowed_actions(complaint.status, roles)
    forms, departments = _forms_for(request, complaint, actions, data, failed)
    if form is not None:
        for entry in forms:
            if entry["action"] == failed:
                entry["form"] = form
    return render(
        request,
        "console/complaints/detail.html",
        {
            "c": complaint,
            "page": selectors.complaint_page(complaint, now=now),
            "forms": forms,
            "failed": failed,
            "departments": departments,
            "can_publish": Role.MANAGER in roles,
        },
        status=status,
    )


@require_GET
@role_required(*DESK_ROLES)
def detail(request, pk: int):
    return _detail(request, _complaint_or_404(request, pk))


def _penalty_in(d) -> complaint_services.PenaltyIn | None:
    if d["outcome"] != Outcome.HUMAN:
        return None
    kind = d.get("target_kind") or "technician"
    return complaint_services.PenaltyIn(
        amount=d["amount"] or Decimal("0"),
        reason=d["reason"],
        month=d.get("month") or "",
        publish=d.get("publish", False),
        **{kind: d["target"].strip()},
    )


def _call(action, complaint, d, by):
    """Run the service of ``action`` with the form's cleaned data."""
    note = d.get("note", "")
    if action == complaint_rules.SUBMIT:
        return complaint_services.complaint_submit(complaint, by=by, note=note)
    if action == complaint_rules.CLOSE:
        return complaint_services.complaint_close(
            complaint, answer=d["answer"], outcome=d["outcome"], by=by
        )
    if action == complaint_rules.DISPATCH_TO_CITY:
        return complaint_services.complaint_dispatch_to_city(
            complaint, district=d["district"], by=by, note=note
        )
    if action == complaint_rules.ASSIGN_DEPARTMENT:
        return complaint_services.complaint_assign_department(
            complaint, department=d["department"], by=by, note=note
        )
    if action == complaint_rules.ANSWER_CUSTOMER:
        return complaint_services.complaint_answer_customer(
            complaint, answer=d["answer"], by=by, note=note
        )
    if action in (complaint_rules.RETURN_TICKET, complaint_rules.WRONG_DISPATCH):
        return complaint_services.complaint_return_ticket(
            complaint,
            wrong_dispatch=action == complaint_rules.WRONG_DISPATCH,
            by=by,
            note=note,
        )
    if action == complaint_rules.SUPERVISE:
        return complaint_services.complaint_supervise(complaint, note=note, by=by)
    if action == complaint_rules.CALLBACK_CUSTOMER:
        return complaint_services.complaint_callback_customer(
            complaint, satisfied=d["satisfied"], by=by, note=note
        )
    return complaint_services.complaint_determine(
        complaint,
        outcome=d["outcome"],
        note=note,
        penalty=_penalty_in(d),
        by=by,
    )


@require_POST
@role_required(*DESK_ROLES)
def act(request, pk: int, action: str):
    """One step action; refused (403) when the user's roles may not take it
    at the complaint's current step, a form error when the service refuses."""
    complaint = _complaint_or_404(request, pk)
    if action not in f.ACTIONS:
        raise Http404
    if action not in f.allowed_actions(complaint.status, roles_of(request.user)):
        messages.error(
            request,
            _("您不能在“%(step)s”环节执行“%(action)s”。")
            % {
                "step": ComplaintStatus(complaint.status).label,
                "action": f.action_label(action),
            },
        )
        return redirect("console-complaint", pk=complaint.pk)
    forms, _departments = _forms_for(request, complaint, [action], request.POST, action)
    form = forms[0]["form"]
    if form.is_valid():
        done = run(
            form, lambda: _call(action, complaint, form.cleaned_data, request.user)
        )
        if done is not None:
            messages.success(
                request,
                _("投诉%(number)s：%(action)s，已完成。")
                % {"number": complaint.number, "action": f.action_label(action)},
            )
            if selectors.complaint_for(request.user, complaint.pk) is None:
                # e.g. a department sent a wrongly dispatched ticket back
                return redirect("console-complaints")
            return redirect("console-complaint", pk=complaint.pk)
    messages.error(request, form_errors_text(form))
    complaint = _complaint_or_404(request, pk)
    return _detail(request, complaint, failed=action, form=form, status=400)


@require_POST
@role_required(Role.MANAGER)
def penalty_publish(request, pk: int):
    """公布/上报 a draft penalty ticket (payroll counts it from now)."""
    ticket = (
        penalties_visible_to(request.user)
        .filter(pk=pk, status=PenaltyStatus.DRAFT)
        .first()
    )
    if (
        ticket is None
        or selectors.complaint_for(request.user, ticket.complaint_id) is None
    ):
        raise Http404
    form = f.NoteForm({})
    form.is_valid()
    if run(form, lambda: complaint_services.penalty_publish(ticket, by=request.user)):
        messages.success(request, _("处罚单已公布上报。"))
    else:
        messages.error(request, form_errors_text(form))
    return redirect("console-complaint", pk=ticket.complaint_id)


def _monday(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


@require_GET
@role_required(*ANALYSTS)
def analysis(request):
    """每周投诉分析: counts per quality network, sub-item and channel against
    the previous week, with a chart (local ECharts)."""
    monday = _monday(request.GET.get("week", ""), timezone.localdate())
    try:
        current, previous = selectors.week_analysis(request.user, monday)
    except ValueError:
        monday = _monday("", timezone.localdate())
        current, previous = selectors.week_analysis(request.user, monday)
    chart = {
        "categories": [c["name"] for c in current.by_sub_category],
        "current": [c["count"] for c in current.by_sub_category],
        "previous": [c["count"] for c in previous.by_sub_category],
        "labels": [_("本周"), _("上周")],
    }
    return render(
        request,
        "console/complaints/analysis.html",
        {
            "current": current,
            "previous": previous,
            "rows": _paired(current.by_category, previous.by_category),
            "sub_rows": _paired(current.by_sub_category, previous.by_sub_category),
            "channel_rows": _paired(current.by_channel, previous.by_channel),
            "chart": chart,
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "desk_url": reverse("console-complaints"),
        },
    )


def _paired(now: list[dict], before: list[dict]) -> list[dict]:
    earlier = {row["code"]: row["count"] for row in before}
    return [
        {
            **row,
            "previous": earlier.get(row["code"], 0),
            "delta": row["count"] - earlier.get(row["code"], 0),
        }
        for row in now
    ]
