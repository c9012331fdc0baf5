"""The network-fault report page (SPEC §13): the API's numbers as a table, and its xlsx."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from dispatch_center.console import role_required

from . import exports, rules, selectors
from .api.serializers import QualityQuerySerializer
from .faults import METRICS, fault_report, fault_report_xlsx
from .views import _scope


@role_required(*selectors.READER_ROLES)
def fault_dashboard(request):
    query = QualityQuerySerializer(data=request.GET)
    if not query.is_valid():
        errors = {k: [str(m) for m in v] for k, v in query.errors.items()}
        return render(request, "reports/faults.html", {"errors": errors}, status=400)
    params = query.validated_data
    period = rules.period_of(
        params["period"], params["date"] or selectors.local_today()
    )
    district_id, scope_name = _scope(request)
    report = fault_report(period, district_id=district_id)
    if params["format"] == "xlsx":
        response = HttpResponse(
            fault_report_xlsx(report, scope=scope_name), content_type=exports.XLSX_TYPE
        )
        response["Content-Disposition"] = (
            f'attachment; filename="network-faults-{period.kind}-{period.start:%Y%m%d}.xlsx"'
        )
        return response
    columns = [(key, label) for key, label, _kind in METRICS]
    rows = [
        (row["key"], row["name"], [row["metrics"][k] for k, _l in columns])
        for row in report["rows"]
    ]
    return render(
        request,
        "reports/faults.html",
        {
            "report": report,
            "columns": columns,
            "rows": rows,
            "totals": [report["totals"][k] for k, _l in columns],
            "scope": scope_name,
            "period": period,
            "periods": rules.PERIOD_LABELS,
            "query": request.GET.urlencode(),
        },
    )
