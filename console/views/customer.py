"""The customer's own page (客户自助页面, SPEC §14): no login, one order by an
unguessable token, rate-limited, 375 px, works without JavaScript.

Anything not found, altered or past its time is the same plain 404: the page
says nothing about whether such an order exists. The buttons call the flows
of ``complaints.services.customer_page``; nothing here writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.cache import caches
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from complaints.models import Callback
from complaints.services import CallbackIn
from complaints.services import customer_page as flows
from dispatch.slot_rules import local_date
from dispatch.slot_selectors import open_slots, slot_policy
from dispatch_center.errors import DomainError, InvalidInput
from network_faults.models import FaultStatus
from sla.models import Approval, ApprovalStatus
from workorders.models import Status, WorkOrder

from .. import rules
from .common import error_text

#: the status as the customer reads it
PLAIN_STATUS = {
    Status.PENDING: gettext_lazy("已受理，正在为您安排装维工程师。"),
    Status.DISPATCHED: gettext_lazy("已安排装维工程师，工程师会尽快与您联系。"),
    Status.ACCEPTED: gettext_lazy("装维工程师已接单，会尽快与您联系预约上门时间。"),
    Status.APPOINTED: gettext_lazy("已预约上门，请按预约时间留人在家。"),
    Status.ON_SITE: gettext_lazy("装维工程师已到达现场，正在处理。"),
    Status.SUSPENDED: gettext_lazy("工单暂停处理，恢复后会再与您联系。"),
    Status.COMPLETED: gettext_lazy("已完成，欢迎对本次服务作出评价。"),
    Status.CLOSED: gettext_lazy("已完成。"),
    Status.CANCELLED: gettext_lazy("工单已撤销。"),
}
SCORES = [(n, str(n)) for n in range(5, 0, -1)]


class EvaluationForm(forms.Form):
    contact = forms.TypedChoiceField(
        label=gettext_lazy("联系是否及时"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    punctuality = forms.TypedChoiceField(
        label=gettext_lazy("上门是否准时"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    skill = forms.TypedChoiceField(
        label=gettext_lazy("技术水平"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    attitude = forms.TypedChoiceField(
        label=gettext_lazy("服务态度"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    satisfied = forms.TypedChoiceField(
        label=gettext_lazy("您对本次服务满意吗？"),
        choices=[("1", gettext_lazy("满意")), ("0", gettext_lazy("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("意见和建议"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _too_many(request, now: datetime, limit: int) -> bool:
    """Count this client's requests in the current minute, in the API
    throttle's cache (Redis when ``THROTTLE_CACHE_URL`` is set: one count for
    every web process)."""
    cache = caches["throttle"]
    ip = request.META.get("REMOTE_ADDR", "")
    key = f"customer-page:{ip}:{rules.rate_window_key(now)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit


def _order(token: str, now: datetime, days: int) -> WorkOrder:
    order = (
        WorkOrder.objects.select_related(
            "technician", "customer", "package_area", "network_fault"
        )
        .filter(customer_token=token)
        .first()
        if token
        else None
    )
    if order is None or not rules.customer_page_open(
        now=now,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        days=days,
    ):
        raise Http404
    return order


def _slot_days(order: WorkOrder, now: datetime) -> list:
    """[(day, [slot figures with room])] for the next days, days with room
    only; the slot the order already holds is not offered again."""
    today = local_date(now)
    days = []
    for offset in range(1, slot_policy().booking_days + 1):
        day = today + timedelta(days=offset)
        found = [
            f
            for f in open_slots(
                group_id=order.group_id,
                kind=order.kind,
                product=order.product,
                day=day,
                now=now,
            )
            if not (
                order.appointment_start
                and f.slot.start <= order.appointment_start < f.slot.end
            )
        ]
        if found:
            days.append((day, found))
    return days


def network_fault_for(order: WorkOrder) -> dict | None:
    """The network fault linked to the order, as the customer reads it, or None.

    As the hotline's interception banner presents it (SPEC §13): its number,
    cause and ETA while it is open ("尚未确定" without one); once restored, the
    restoration time. Nothing of the fault's scope or other customers.
    """
    fault = order.network_fault
    if fault is None or fault.status == FaultStatus.DISMISSED:
        return None
    return {
        "number": fault.number,
        "cause": fault.cause,
        "open": fault.status in (FaultStatus.SUSPECTED, FaultStatus.CONFIRMED),
        "eta": fault.eta,
        "restored_at": fault.restored_at,
    }


def not_found() -> HttpResponse:
    """The one plain 404 of the page: the same bytes for an unknown, altered
    or expired token (no CSRF token, no path, nothing of the request)."""
    return HttpResponse(
        render_to_string("console/customer_404.html"),
        status=404,
        content_type="text/html; charset=utf-8",
    )


@require_http_methods(["GET", "POST"])
def page(request, token: str):
    try:
        return _page(request, token)
    except Http404:
        return not_found()


def _page(request, token: str):
    now = timezone.now()
    policy = slot_policy()
    if _too_many(request, now, policy.customer_page_rate_per_minute):
        return HttpResponse(
            _("请求过于频繁，请稍后再试。"),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    order = _order(token, now, policy.customer_link_days)
    form = EvaluationForm()
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                flows.customer_confirm(order, now=now)
                request.session["customer_notice"] = _("已确认预约，谢谢。")
            elif action == "rebook":
                start = _parse_start(request.POST.get("slot", ""))
                flows.customer_rebook(order, start=start, now=now)
                request.session["customer_notice"] = _(
                    "已提交改约申请，审核通过后会短信通知您。"
                )
            elif action == "fault_back":
                flows.customer_fault_back(order, now=now)
                request.session["customer_notice"] = _(
                    "已为您登记故障复发，装维工程师会尽快联系您。"
                )
            elif action == "fault_not_fixed":
                flows.customer_fault_not_fixed(order, now=now)
                request.session["customer_notice"] = _(
                    "已为您重新登记报修，装维工程师会尽快联系您。"
                )
            elif action == "evaluate":
                form = EvaluationForm(request.POST)
                if form.is_valid():
                    flows.customer_evaluate(
                        order, data=CallbackIn(**form.cleaned_data), now=now
                    )
                    request.session["customer_notice"] = _("感谢您的评价。")
                else:
                    error = _("请为每一项打分。")
            else:
                raise Http404
        except InvalidInput as exc:
            error = "；".join(m for ms in exc.errors.values() for m in ms)
        except DomainError as exc:
            error = error_text(exc)
        if not error:
            return redirect(request.path)
    notice = request.session.pop("customer_notice", "")
    finished = order.status in (Status.COMPLETED, Status.CLOSED)
    pending = Approval.objects.filter(
        order=order, status=ApprovalStatus.PENDING
    ).first()
    context = {
        "order": order,
        "plain_status": PLAIN_STATUS.get(order.status, ""),
        "technician": order.technician,
        "fault": network_fault_for(order),
        "fault_restored_repair": flows.is_fault_restored_repair(order),
        "can_confirm": order.appointment_start is not None
        and order.status in flows.CONFIRMABLE
        and order.appointment_start > now,
        "slot_days": []
        if finished or order.status == Status.CANCELLED or pending
        else _slot_days(order, now),
        "pending_rebook": pending,
        "finished": finished,
        "evaluated": finished and Callback.objects.filter(work_order=order).exists(),
        "form": form,
        "notice": notice,
        "error": error,
    }
    return render(request, "console/customer.html", context, status=200)


def _parse_start(raw: str) -> datetime:
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("slot", _("请选择页面上列出的预约时段。")) from None
    if start.tzinfo is None:
        raise InvalidInput("slot", _("请选择页面上列出的预约时段。"))
    return start
