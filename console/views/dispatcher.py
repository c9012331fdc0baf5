"""综合调度台: the live queue, candidates and dispatch, technicians, approvals,
warnings and escalations, 无人可派 orders and the rest rota."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.messages import get_messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import services as dispatch_services
from dispatch_center.console import role_required
from dispatch_center.roles import Role
from org.selectors import technicians_visible_to, user_district_id
from sla import services as sla_services
from sla.models import ApprovalStatus
from sla.selectors import approvals_visible_to
from workorders.selectors import orders_visible_to

from .. import desk_markers, desk_rules, desk_selectors, presenters, rules, selectors
from ..forms import DecisionForm, DispatchForm, QueueFilterForm, RotaGenerateForm
from .common import form_errors_text, is_htmx, run
from .polling import (
    not_modified,
    queue_etag,
    side_etag,
    technicians_context,
    with_etag,
)

DESK_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
#: Seconds between two refreshes of the live panels.
POLL_SECONDS = 15


def _filters(request, *, poll=False):
    """The desk's filter form and its valid filters; a polled panel (``poll``)
    validates them without loading every choice (it shows no form)."""
    options = selectors.filter_options(
        request.user, chosen=request.GET if poll else None
    )
    form = QueueFilterForm(request.GET, options=options)
    return form, form.filters()


def _querystring(request, drop=()) -> str:
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in drop:
            query.setlist(key, values)
    return query.urlencode()


def _queue_context(request, filters, now, *, marker=None, etag="", known=None):
    queue = desk_selectors.queue_page(
        request.user,
        filters,
        page=request.GET.get("page", 1),
        sort=request.GET.get("sort"),
        now=now,
        marker=marker,
        known=known,
    )
    presenters.row_texts(queue.rows)
    return {
        "queue": queue,
        "filter_qs": _querystring(request, drop=("page",)),
        "sort_qs": _querystring(request, drop=("page", "sort")),
        "sort_links": {
            column: desk_rules.next_sort(queue.sort, column)
            for column in desk_rules.SORT_FIELDS
        },
        "poll_seconds": POLL_SECONDS,
        "etag": etag,
    }


def _side_context(request, filters, now):
    stuck = selectors.stuck_orders(request.user, now=now)
    presenters.row_texts(stuck)
    return {
        "approvals": selectors.pending_approvals(request.user),
        "feed": selectors.sla_feed(request.user, now=now),
        "stuck": stuck,
        **selectors.panel_totals(request.user),
        "side_qs": _querystring(request, drop=("page",)),
        "poll_seconds": POLL_SECONDS,
    }


def _week(request, now) -> date:
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate(now)
    return rules.week_start(day)


@require_GET
@role_required(*DESK_ROLES)
def desk(request):
    """The whole desk; the queue and the side panels then refresh themselves."""
    now = timezone.now()
    form, filters = _filters(request)
    rota = selectors.rota_panel(
        request.user,
        group_id=request.GET.get("rota_group") or filters.get("group"),
        week_start=_week(request, now),
    )
    return render(
        request,
        "console/dispatcher.html",
        {
            "form": form,
            "rota": rota,
            "rota_form": RotaGenerateForm(
                initial={
                    "group": rota.group.pk if rota.group else None,
                    "week_start": rota.week_start,
                }
            ),
            "now": now,
            "tech_qs": "",
            **_queue_context(request, filters, now),
            **_side_context(request, filters, now),
            **technicians_context(request, filters, now),
        },
    )


@require_GET
@role_required(*DESK_ROLES)
def queue_partial(request):
    """The polled queue: ``304`` when the page would show the same orders
    (``desk_markers.queue_marker``: while nothing in the scope changes, one
    index probe; otherwise the capped count and the page's ids, no join)."""
    now = timezone.now()
    marker = desk_markers.change_marker(request.user)
    found = desk_markers.queue_marker(
        request.user,
        query=request.GET.urlencode(),
        filters=lambda: _filters(request, poll=True)[1],
        page=request.GET.get("page", 1),
        sort=request.GET.get("sort"),
        search=bool(request.GET.get("q", "").strip()),
        marker=marker,
    )
    etag = queue_etag(request, found.shown, now)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    filters = found.filters
    if filters is None:
        _form, filters = _filters(request, poll=True)
    response = render(
        request,
        "console/partials/queue.html",
        {
            "now": now,
            **_queue_context(
                request, filters, now, marker=marker, etag=etag, known=found.slice
            ),
        },
    )
    return with_etag(response, etag)


@require_GET
@role_required(*DESK_ROLES)
def side_partial(request):
    """The polled side panels: ``304`` from the side marker when nothing they
    show has changed and no message waits to be shown."""
    now = timezone.now()
    etag = side_etag(request, desk_markers.side_marker(request.user), now)
    if not len(get_messages(request)):
        unchanged = not_modified(request, etag)
        if unchanged is not None:
            return unchanged
    _form, filters = _filters(request, poll=True)
    response = render(
        request,
        "console/partials/side.html",
        {"now": now, "etag": etag, **_side_context(request, filters, now)},
    )
    return with_etag(response, etag)


def _candidates_response(request, order, *, form=None, flash="", status=200):
    found = dispatch_services.order_candidates(order)
    response = render(
        request,
        "console/partials/candidates.html",
        {
            "order": order,
            "ranked": [
                (r, presenters.dispatch_reasons(r.reasons)) for r in found.ranked
            ],
            "refused": sorted(found.refused.items()),
            "form": form or DispatchForm(),
            "flash": flash,
        },
        status=status,
    )
    if flash:
        response["HX-Trigger"] = "queue-changed"
    return response


@require_GET
@role_required(*DESK_ROLES)
def candidates(request, pk):
    """Ranked technicians with their reasons, each with a dispatch button."""
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    return _candidates_response(request, order)


@require_POST
@role_required(*DESK_ROLES)
def dispatch_order(request, pk):
    """派单/改派 to the chosen technician (``dispatch.services.order_dispatch``)."""
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    form = DispatchForm(request.POST)
    done = None
    if form.is_valid():
        technician = (
            technicians_visible_to(request.user)
            .filter(code=form.cleaned_data["technician"])
            .first()
        )
        if technician is None:
            form.add_error("technician", _("您负责的区局没有这个工号的工程师。"))
        else:
            # the service applies the candidate pool and the override rules
            done = run(
                form,
                lambda: dispatch_services.order_dispatch(
                    order,
                    technician=technician,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    override=form.cleaned_data["override"],
                ),
            )
    flash = ""
    if done is not None:
        flash = _("工单 %(number)s 已派给 %(name)s。") % {
            "number": order.number,
            "name": technician.name,
        }
    if is_htmx(request):
        # 200 even on a refusal: htmx swaps only 2xx, and the refusal is the answer
        return _candidates_response(request, order, form=form, flash=flash)
    if flash:
        messages.success(request, flash)
    else:
        messages.error(request, form_errors_text(form))
    return redirect("console-dispatcher")


@require_POST
@role_required(*DESK_ROLES)
def approval_decide(request, pk, decision):
    """挂起/改约审核: approve or reject (a rejection needs a note)."""
    approval = get_object_or_404(
        approvals_visible_to(request.user).filter(status=ApprovalStatus.PENDING), pk=pk
    )
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    if decision == "approve":
        done = run(
            form,
            lambda: sla_services.approval_approve(approval, note=note, by=request.user),
        )
    else:
        done = run(
            form,
            lambda: sla_services.approval_reject(approval, note=note, by=request.user),
        )
    if done is not None:
        text = _("已批准") if decision == "approve" else _("已驳回")
        messages.success(
            request,
            _("%(number)s 的%(kind)s申请%(result)s。")
            % {
                "number": approval.order.number,
                "kind": approval.get_kind_display(),
                "result": text,
            },
        )
    else:
        messages.error(request, form_errors_text(form))
    if is_htmx(request):
        now = timezone.now()
        _form, filters = _filters(request)
        response = render(
            request,
            "console/partials/side.html",
            {"now": now, **_side_context(request, filters, now)},
        )
        response["HX-Trigger"] = "queue-changed"
        return response
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("console-dispatcher")
    return redirect(target)


@require_POST
@role_required(*DESK_ROLES)
def rota_generate(request):
    """(Re)generate a group's rest days for a week."""
    form = RotaGenerateForm(request.POST)
    if form.is_valid():
        group = selectors.group_in_scope(request.user, form.cleaned_data["group"])
        if group is None:
            form.add_error("group", _("请选择您负责范围内的区域组。"))
        else:
            violations = run(
                form,
                lambda: dispatch_services.rota_generate_week(
                    group, form.cleaned_data["week_start"], by=request.user
                ),
            )
            if violations is not None:
                messages.success(
                    request,
                    _("%(group)s 本周轮休已生成。") % {"group": group.name},
                )
                for line in violations:
                    messages.warning(request, line)
                query = QueryDict(mutable=True)
                query["rota_group"] = group.pk
                query["week"] = form.cleaned_data["week_start"].isoformat()
                return redirect(f"{reverse('console-dispatcher')}?{query.urlencode()}")
    messages.error(request, form_errors_text(form))
    return redirect("console-dispatcher")


@require_POST
@role_required(*DESK_ROLES)
def auto_dispatch(request):
    """Run rolling dispatch now (the engine also runs every minute)."""
    result = dispatch_services.auto_dispatch_run(
        by=request.user, district_id=user_district_id(request.user)
    )
    if result.skipped:
        messages.warning(request, _("滚动派单正在运行，请稍后再试。"))
    else:
        messages.success(
            request,
            _("滚动派单完成：派出 %(assigned)s 单，无人可派 %(stuck)s 单。")
            % {"assigned": len(result.assigned), "stuck": len(result.no_candidate)},
        )
    return redirect("console-dispatcher")
