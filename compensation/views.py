"""Console pages of 慢必赔: the monthly list of paid compensation."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dispatch_center.console import role_required
from dispatch_center.roles import Role

from . import exports, selectors


@role_required(Role.FINANCE, Role.MANAGER)
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
