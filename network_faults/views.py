"""Console pages of network faults: the dispatcher's panel, the fault page,
and the hotline's interception banner (SPEC §13)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dispatch_center.console import role_required
from dispatch_center.errors import DomainError, Forbidden, InvalidInput
from dispatch_center.roles import Role, has_role
from org.models import Product
from workorders.models import Customer, Kind, Source, WorkOrder
from workorders.selectors import orders_visible_to
from workorders.services import CustomerIn, OrderIn

from . import presenters, selectors, services

DESK_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
ACTORS = (Role.DISPATCHER, Role.SUPERVISOR)
HOTLINE_ROLES = (Role.HOTLINE_AGENT, Role.SUPERVISOR)
# who hears that a restored repair's problem remains: the hotline, the desk,
# the technician (the same roles as the API's reopen)
REOPENERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.TECHNICIAN)


class InterceptForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("电话"), max_length=20)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255)
    product = forms.ChoiceField(label=gettext_lazy("产品"), choices=Product.choices)
    package_area = forms.CharField(widget=forms.HiddenInput)
    description = forms.CharField(
        label=gettext_lazy("来电内容"), required=False, max_length=500
    )


def _fault_or_404(request, pk):
    return get_object_or_404(selectors.faults_visible_to(request.user), pk=pk)


def _apply(request, call, ok: str) -> bool:
    """Run a service for a form post; its refusal becomes a message."""
    try:
        call()
    except InvalidInput as exc:
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return False
    except (DomainError, Forbidden) as exc:
        messages.error(
            request,
            _("操作未完成：%(detail)s") % {"detail": getattr(exc, "detail", exc)},
        )
        return False
    messages.success(request, ok)
    return True


def _parse_time(value: str):
    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime((value or "").strip())
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@require_GET
@role_required(*DESK_ROLES)
def panel(request):
    """The faults panel of the dispatcher desk (its own partial, polled)."""
    return render(
        request,
        "network_faults/panel.html",
        {"faults": selectors.faults_for_desk(request.user), "now": timezone.now()},
    )


@require_GET
@role_required(*DESK_ROLES)
def fault_page(request, pk):
    fault = _fault_or_404(request, pk)
    linked = list(
        orders_visible_to(request.user)
        .filter(network_fault=fault)
        .order_by("accepted_at", "id")[:500]
    )
    return render(
        request,
        "network_faults/fault.html",
        {
            "fault": fault,
            "areas": list(fault.package_areas.select_related("group__area")),
            "linked": linked,
            "events": presenters.fault_timeline(fault.events.order_by("at", "id")),
            "map": presenters.fault_map(fault, linked),
            "can_act": has_role(request.user, *ACTORS),
        },
    )


@require_POST
@role_required(*ACTORS)
def fault_action(request, pk, action):
    fault = _fault_or_404(request, pk)
    by, post = request.user, request.POST
    back = post.get("next") or reverse("fault-page", args=[fault.pk])
    if not back.startswith("/"):
        back = reverse("fault-page", args=[fault.pk])
    if action == "confirm":
        eta = _parse_time(post.get("eta", ""))
        _apply(
            request,
            lambda: services.fault_confirm(fault, by=by, eta=eta),
            _("已确认网络故障%(n)s，影响范围内的报修将关联，不单独派单。")
            % {"n": fault.number},
        )
    elif action == "dismiss":
        _apply(
            request,
            lambda: services.fault_dismiss(fault, reason=post.get("reason", ""), by=by),
            _("已排除疑似故障%(n)s，关联工单恢复正常派单。") % {"n": fault.number},
        )
    elif action == "eta":
        eta = _parse_time(post.get("eta", ""))
        if eta is None:
            messages.error(request, _("请填写预计恢复时间。"))
        else:
            _apply(
                request,
                lambda: services.fault_eta_set(fault, eta=eta, by=by),
                _("已调整预计恢复时间，并短信通知关联客户。"),
            )
    elif action == "restore":
        _apply(
            request,
            lambda: services.fault_restore(fault, by=by),
            _("网络故障%(n)s已恢复，关联工单已随故障竣工。") % {"n": fault.number},
        )
    elif action == "close":
        _apply(
            request,
            lambda: services.fault_close(fault, by=by),
            _("网络故障%(n)s已关闭。") % {"n": fault.number},
        )
    elif action == "link":
        numbers = [n for n in post.get("numbers", "").replace(",", " ").split() if n]
        orders = list(orders_visible_to(by).filter(number__in=numbers))
        if len(orders) != len(set(numbers)):
            messages.error(request, _("有工单号不存在或无权查看。"))
        else:
            _apply(
                request,
                lambda: services.fault_link(fault, orders=orders, by=by),
                _("已关联所选工单。"),
            )
    else:
        messages.error(request, _("未知操作。"))
    return redirect(back)


def _customers_for(user, query: str) -> list[Customer]:
    query = (query or "").strip()
    if not query:
        return []
    hit = (
        orders_visible_to(user)
        .filter(Q(number=query) | Q(crm_order_id=query))
        .values_list("customer__phone", flat=True)
        .first()
    )
    return list(
        Customer.objects.filter(phone=hit or query).select_related("package_area")[:5]
    )


@require_GET
@role_required(*HOTLINE_ROLES)
def hotline_banner(request):
    """Shown first on the hotline desk: the faults covering the caller's area."""
    customers = _customers_for(request.user, request.GET.get("q", ""))
    faults = selectors.faults_for_customers(customers, request.user)
    customer = customers[0] if customers else None
    open_linked = set()
    if customer is not None:
        open_linked = set(
            WorkOrder.objects.filter(
                customer__phone=customer.phone,
                network_fault__in=[f.pk for f in faults],
                status__in=(
                    "pending",
                    "dispatched",
                    "accepted",
                    "appointed",
                    "on_site",
                ),
            ).values_list("network_fault_id", flat=True)
        )
    rows = [
        {
            "fault": f,
            "already": f.pk in open_linked,
            "form": InterceptForm(
                initial={
                    "phone": customer.phone,
                    "name": customer.name,
                    "address": customer.address,
                    "product": f.product or Product.FTTH_BROADBAND,
                    "package_area": customer.package_area.code
                    if customer.package_area
                    else "",
                }
            )
            if customer
            else None,
        }
        for f in faults
    ]
    return render(request, "network_faults/hotline_banner.html", {"rows": rows})


@require_POST
@role_required(*HOTLINE_ROLES)
def intercept(request, pk):
    """Record the call against the fault: a linked repair, counted as intercepted."""
    fault = _fault_or_404(request, pk)
    form = InterceptForm(request.POST)
    phone = request.POST.get("phone", "")
    if form.is_valid():
        d = form.cleaned_data
        data = OrderIn(
            source=Source.HOTLINE,
            kind=Kind.REPAIR,
            product=d["product"],
            customer=CustomerIn(name=d["name"], phone=d["phone"]),
            address=d["address"],
            package_area=d["package_area"],
            description=d["description"] or _("10000号拦截：网络故障期间来电"),
        )
        _apply(
            request,
            lambda: services.fault_intercept_call(fault, data=data, by=request.user),
            _("来电已记入网络故障%(n)s，不单独派单；已短信告知客户预计恢复时间。")
            % {"n": fault.number},
        )
    else:
        messages.error(request, _("请补全来电信息。"))
    qs = QueryDict(mutable=True)
    qs["q"] = phone
    return redirect(f"{reverse('console-hotline')}?{qs.urlencode()}")


@require_POST
@role_required(*REOPENERS)
def order_reopen(request, pk):
    """From the order page: the problem remains after the fault's restoration,
    the repair goes back to the queue as an individual repair."""
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    _apply(
        request,
        lambda: services.order_reopen(
            order, note=request.POST.get("note", "").strip()[:500], by=request.user
        ),
        _("工单%(n)s已转为单独修障，回到待派队列。") % {"n": order.number},
    )
    return redirect(reverse("console-order", args=[order.pk]))
