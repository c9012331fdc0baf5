"""10000号坐席: look a customer up, answer "什么时候来装?", open a repair,
record an urge, open a complaint, record a callback."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import services as complaint_services
from dispatch import slot_services
from dispatch_center.console import role_required
from dispatch_center.roles import Role
from sla import services as sla_services
from workorders import services as wo_services
from workorders.models import Kind, Source
from workorders.selectors import orders_visible_to

from .. import selectors
from ..forms import CallbackForm, ComplaintForm, RepairForm, UrgeForm
from .common import form_errors_text, run

HOTLINE_ROLES = (Role.HOTLINE_AGENT, Role.SUPERVISOR)


def _back(query: str):
    url = reverse("console-hotline")
    if query:
        qs = QueryDict(mutable=True)
        qs["q"] = query
        url = f"{url}?{qs.urlencode()}"
    return redirect(url)


def _repair_form(request, result, data=None):
    customer = result.customer if result else None
    initial = {}
    if customer is not None:
        initial = {
            "phone": customer.phone,
            "name": customer.name,
            "address": customer.address,
            "package_area": customer.package_area_id,
            "level": customer.level,
            "segment": customer.segment,
        }
    elif result and result.query.isdigit():
        initial = {"phone": result.query}
    return RepairForm(
        data,
        initial=initial,
        package_areas=selectors.package_areas_for(request.user),
    )


def _complaint_form(result, data=None):
    orders = []
    initial = {}
    if result and result.customer is not None:
        orders = [r.order for r in result.open_rows] + list(result.past)
        initial = {
            "phone": result.customer.phone,
            "customer_name": result.customer.name,
        }
    return ComplaintForm(
        data,
        initial=initial,
        sub_categories=selectors.complaint_sub_categories(),
        orders=orders,
    )


def _page(request, query, *, status=200, **forms):
    now = timezone.now()
    result = selectors.hotline_search(request.user, query, now=now)
    context = {
        "result": result,
        "now": now,
        "repair_form": forms.get("repair_form") or _repair_form(request, result),
        "complaint_form": forms.get("complaint_form") or _complaint_form(result),
        "urge_form": UrgeForm(),
        "callback_form": CallbackForm(),
        "callback_for": forms.get("callback_for"),
        "callbacks_due": selectors.callbacks_queue(request.user, now=now),
        "callbacks_total": selectors.callbacks_due_total(request.user, now=now),
        "callbacks_cap": selectors.CALLBACKS_COUNT_CAP,
        "open_panel": forms.get("open_panel", ""),
    }
    return render(request, "console/hotline.html", context, status=status)


@require_GET
@role_required(*HOTLINE_ROLES)
def desk(request):
    return _page(request, request.GET.get("q", ""))


@require_POST
@role_required(*HOTLINE_ROLES)
def repair(request):
    """Open a repair order (障碍单, source 10000号) through the booking flow
    ``dispatch.slot_services.order_intake`` (``work_order_create`` when, as
    here, no appointment is given)."""
    form = _repair_form(request, None, request.POST)
    order = None
    if form.is_valid():
        d = form.cleaned_data
        data = wo_services.OrderIn(
            source=Source.HOTLINE,
            kind=Kind.REPAIR,
            product=d["product"],
            customer=wo_services.CustomerIn(
                name=d["name"], phone=d["phone"], level=d["level"], segment=d["segment"]
            ),
            address=d["address"],
            package_area=d["package_area"].code,
            same_day_requested=d["same_day_requested"],
            description=d["description"],
        )
        created = run(
            form, lambda: slot_services.order_intake(data=data, by=request.user)
        )
        order = created[0] if created else None
    if order is None:
        return _page(
            request,
            request.POST.get("phone", ""),
            status=400,
            repair_form=form,
            open_panel="repair",
        )
    messages.success(
        request,
        _("已受理障碍单 %(number)s，完成时限 %(deadline)s。")
        % {
            "number": order.number,
            "deadline": timezone.localtime(order.deadline).strftime("%m-%d %H:%M"),
        },
    )
    return _back(order.customer.phone)


@require_POST
@role_required(*HOTLINE_ROLES)
def urge(request, pk):
    """催单 on an open order; the 2nd urge escalates (in the SLA service)."""
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    form = UrgeForm(request.POST)
    done = None
    if form.is_valid():
        done = run(
            form,
            lambda: sla_services.work_order_urge_record(
                order, note=form.cleaned_data["note"], by=request.user
            ),
        )
    if done is not None:
        messages.success(
            request,
            _("已记录 %(number)s 第%(n)s次催单。")
            % {"number": order.number, "n": done.urge_count},
        )
    else:
        messages.error(request, form_errors_text(form))
    return _back(order.customer.phone)


@require_POST
@role_required(*HOTLINE_ROLES)
def complaint(request):
    """Open a complaint (前台受理) through ``complaints.services.complaint_create``."""
    result = selectors.hotline_search(
        request.user, request.POST.get("phone", ""), now=timezone.now()
    )
    form = _complaint_form(result, request.POST)
    created = None
    if form.is_valid():
        d = form.cleaned_data
        sub = d["sub_category"]
        data = complaint_services.ComplaintIn(
            channel=d["channel"],
            phone=d["phone"],
            customer_name=d["customer_name"],
            category=sub.category,
            sub_category=sub.code,
            description=d["description"],
            work_order=d["work_order"],
        )
        created = run(
            form,
            lambda: complaint_services.complaint_create(data=data, by=request.user),
        )
    if created is None:
        return _page(
            request,
            request.POST.get("phone", ""),
            status=400,
            complaint_form=form,
            open_panel="complaint",
        )
    messages.success(request, _("已受理投诉 %(number)s。") % {"number": created.number})
    return _back(created.phone)


@require_POST
@role_required(*HOTLINE_ROLES)
def callback(request, pk):
    """回访 of a completed order through ``complaints.services.callback_record``."""
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    form = CallbackForm(request.POST)
    done = None
    if form.is_valid():
        data = complaint_services.CallbackIn(**form.cleaned_data)
        done = run(
            form,
            lambda: complaint_services.callback_record(
                order, data=data, by=request.user
            ),
        )
    if done is None:
        messages.error(request, form_errors_text(form))
        return _page(request, order.customer.phone, status=400, callback_for=order.pk)
    messages.success(
        request, _("已记录 %(number)s 的回访。") % {"number": order.number}
    )
    return _back(order.customer.phone)
