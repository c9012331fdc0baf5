"""装维工程师 on a phone: today's orders and every step of one order."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compensation import services as compensation_services
from dispatch import services as dispatch_services
from dispatch import slot_services
from dispatch_center.console import role_required
from dispatch_center.roles import Role
from payroll.selectors import my_lines
from sla import services as sla_services
from sla.models import ApprovalKind
from workorders import services as wo_services
from workorders.models import Resolution
from workorders.selectors import orders_visible_to

from .. import selectors
from ..forms import PositionForm
from ..steps import ACTIONS, ACTIONS_BY_STATUS, action_forms, step_form
from .common import form_errors_text, run
from .order import order_response

TECH_ROLES = (Role.TECHNICIAN,)


def _call(action: str, order, data: dict, user):
    if action == "accept":
        return wo_services.work_order_accept(order, by=user)
    if action == "contact":
        # a later day is a booking made ahead: only into a slot with room
        return slot_services.order_contact(order, by=user, **data)
    if action == "arrive":
        return wo_services.work_order_arrive(order, by=user)
    if action == "complete":
        # through compensation: a late same-day order gets its 慢必赔 claim
        return compensation_services.order_complete(
            order, resolution=Resolution.ONSITE, by=user, **data
        )
    if action == "suspend":
        return sla_services.approval_request(
            order, kind=ApprovalKind.SUSPEND, by=user, **data
        )
    if action == "reschedule":
        return sla_services.approval_request(
            order, kind=ApprovalKind.RESCHEDULE, by=user, **data
        )
    if action == "redispatch":
        return dispatch_services.order_request_redispatch(order, by=user, **data)
    if action == "resume":
        return sla_services.work_order_resume_suspended(order, by=user)
    raise Http404


@require_GET
@role_required(*TECH_ROLES)
def home(request):
    """Today's orders by deadline, with the next step of each on its card."""
    now = timezone.now()
    rows, done = selectors.technician_today(request.user, now=now)
    slot_cache: dict = {}  # the cards of one group share its slot figures
    cards = [
        {
            "row": row,
            "primary_steps": [
                s
                for s in action_forms(row.order, slot_cache=slot_cache)
                if s["primary"]
            ],
        }
        for row in rows
    ]
    return render(
        request,
        "console/technician.html",
        {
            "cards": cards,
            "done": done,
            "technician": selectors.user_technician(request.user),
            "now": now,
            # 计件工资: the technician's latest reviewed or locked month
            "payroll_line": my_lines(request.user).first(),
        },
    )


def _next_url(request, order) -> str:
    """Where a step ends: the page it came from, else the order page; an order
    the technician no longer holds (申请改派) ends on their list, since its
    page would now be a 404 to them."""
    if not orders_visible_to(request.user).filter(pk=order.pk).exists():
        return reverse("console-technician")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return reverse("console-order", args=[order.pk])


@require_POST
@role_required(*TECH_ROLES)
def step(request, pk, action):
    """One step on one of the technician's own orders (others: 404)."""
    if action not in ACTIONS:
        raise Http404
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    _label, done_text = ACTIONS[action][1:]
    form = step_form(action, order, request.POST)
    done = None
    if form.is_valid():
        done = run(form, lambda: _call(action, order, form.cleaned_data, request.user))
    if done is None:
        order.refresh_from_db()
        if action not in ACTIONS_BY_STATUS.get(order.status, ()):
            # the step's form is not on the page in this state: say it on top
            messages.error(request, form_errors_text(form))
        return order_response(request, order, bound={action: form}, status=400)
    messages.success(
        request,
        _("工单 %(number)s %(done)s") % {"number": order.number, "done": done_text},
    )
    return redirect(_next_url(request, order))


@require_POST
@role_required(*TECH_ROLES)
def position(request):
    """The phone's position (navigator.geolocation), for nearest-first dispatch."""
    technician = selectors.user_technician(request.user)
    if technician is None:
        return JsonResponse({"detail": _("此账号不是装维工程师。")}, status=403)
    form = PositionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    dispatch_services.technician_position_update(
        technician, lat=form.cleaned_data["lat"], lng=form.cleaned_data["lng"]
    )
    return JsonResponse(
        {
            "ok": True,
            "message": _("位置已上报 %(at)s")
            % {"at": timezone.localtime(technician.last_position_at).strftime("%H:%M")},
        }
    )
