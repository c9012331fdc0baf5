"""Console pages of 慢必赔: the monthly list of paid compensation."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from dispatch_center.console import role_required
from dispatch_center.errors import DomainError, InvalidInput
from dispatch_center.replica import read_from_replica
from dispatch_center.roles import Role, has_role

from . import exports, selectors, services
from .models import ClaimStatus


@role_required(Role.FINANCE, Role.MANAGER)
@read_from_replica
def paid_list_page(request):
    """每月已补偿清单, with totals per district and vendor and an xlsx download."""
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        selectors.month_bounds(month)
    except ValueError:
        return render(
            request,
            "compensation/paid_list.html",
            {"month": month, "error": "月份格式应为 YYYY-MM"},
            status=400,
        )
    listing = selectors.paid_list(month, base=selectors.claims_visible_to(request.user))
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.paid_list_xlsx(listing),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="paid-compensation-{month}.xlsx"'
        )
        return response
    return render(
        request, "compensation/paid_list.html", {"month": month, "listing": listing}
    )


AUDIT_STATUSES = ("pending_review", "approved", "exempt", "paid", "rejected")


@role_required(Role.FINANCE, Role.MANAGER)
def audit_page(request):
    """审核补偿清单: approve in bulk, reject with a reason, pay approved claims."""
    status = request.GET.get("status") or "pending_review"
    if status not in AUDIT_STATUSES:
        status = "pending_review"
    if request.method == "POST":
        _audit_action(request)
        return redirect(f"{request.path}?status={status}")
    claims = (
        selectors.claims_visible_to(request.user)
        .filter(status=status)
        .select_related("work_order", "district", "vendor", "technician")
        .order_by("pay_by", "id")[:500]
    )
    return render(
        request,
        "compensation/audit.html",
        {
            "claims": claims,
            "status": status,
            "statuses": [(s, ClaimStatus(s).label) for s in AUDIT_STATUSES],
            "can_pay": has_role(request.user, Role.FINANCE),
            "bulk": status == "pending_review"
            or (status == "approved" and has_role(request.user, Role.FINANCE)),
            "now": timezone.now(),
        },
    )


def _audit_action(request):
    action = request.POST.get("action")
    visible = selectors.claims_visible_to(request.user)
    try:
        if action == "approve":
            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
            if not ids:
                messages.error(request, gettext("请先勾选要审核通过的补偿。"))
                return
            allowed = list(visible.filter(pk__in=ids).values_list("pk", flat=True))
            done = services.claims_approve(allowed, by=request.user)
            messages.success(
                request, gettext("已审核通过 %(n)s 条。") % {"n": len(done)}
            )
        elif action == "reject":
            claim = get_object_or_404(visible, pk=request.POST.get("id"))
            services.claim_reject(
                claim, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(
                request,
                gettext("已驳回工单 %(number)s 的补偿。")
                % {"number": claim.work_order.number},
            )
        elif action == "pay_bulk":
            if not has_role(request.user, Role.FINANCE):
                raise PermissionDenied
            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
            allowed = list(visible.filter(pk__in=ids).values_list("pk", flat=True))
            if not allowed:
                messages.error(request, _("请先勾选要充值的补偿"))
                return
            result = services.claims_pay(allowed, by=request.user)
            total = sum((c.amount for c in result.paid), Decimal("0.00"))
            messages.success(
                request,
                _("已充值 %(n)s 条，共 %(amount)s 元")
                % {"n": len(result.paid), "amount": total},
            )
            if result.already:
                messages.info(
                    request,
                    _("%(n)s 条此前已充值，未重复充值") % {"n": len(result.already)},
                )
            for claim_id, reason in result.failed.items():
                messages.error(
                    request,
                    _("补偿 %(id)s 未充值：%(reason)s")
                    % {"id": claim_id, "reason": reason},
                )
        elif action == "pay":
            if not has_role(request.user, Role.FINANCE):
                raise PermissionDenied
            claim = get_object_or_404(visible, pk=request.POST.get("id"))
            claim = services.claim_pay(claim.pk, by=request.user)
            messages.success(
                request,
                gettext("已充值 %(amount)s 元（工单 %(number)s）。")
                % {"amount": claim.amount, "number": claim.work_order.number},
            )
        else:
            messages.error(request, gettext("未知操作。"))
    except InvalidInput as exc:
        messages.error(
            request, "；".join(m for msgs in exc.errors.values() for m in msgs)
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
