"""网络故障报表 (SPEC §13): faults, linked repairs, interception rate, time to
restore, network- vs installer-caused repairs and compensation, per district,
for a day, week or month. The same numbers for the API, the page and the xlsx.

Read live from the orders, faults and claims of the period (a few thousand
rows a month at the seed's volume, each behind an index on its time column).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.db.models import Count, Q, Sum
from openpyxl import Workbook
from openpyxl.styles import Font

from compensation.models import Claim, ClaimStatus
from network_faults.models import FaultStatus, NetworkFault
from org.models import District
from workorders.models import Kind, WorkOrder

from . import rules

#: (key, Chinese label, kind) in column order
METRICS = [
    ("faults", "网络故障数", "count"),
    ("faults_restored", "已恢复故障数", "count"),
    ("restore_hours_avg", "平均恢复时长(小时)", "hours"),
    ("linked_repairs", "关联故障的障碍单", "count"),
    ("intercepted", "10000号拦截数", "count"),
    ("interception_rate", "拦截率", "rate"),
    ("network_repairs", "网络原因障碍单", "count"),
    ("installer_repairs", "装维原因障碍单", "count"),
    ("network_compensation", "网络原因慢必赔(元)", "money"),
    ("installer_compensation", "装维原因慢必赔(元)", "money"),
]
DUE = (ClaimStatus.PENDING_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID)


@dataclass
class FaultRow:
    key: str
    name: str
    metrics: dict = field(default_factory=dict)


def _empty() -> dict:
    return {
        "faults": 0,
        "faults_restored": 0,
        "_restore_hours": Decimal("0"),
        "linked_repairs": 0,
        "intercepted": 0,
        "network_repairs": 0,
        "installer_repairs": 0,
        "network_compensation": Decimal("0.00"),
        "installer_compensation": Decimal("0.00"),
    }


def _finish(raw: dict) -> dict:
    out = {k: v for k, v in raw.items() if not k.startswith("_")}
    restored = raw["faults_restored"]
    out["restore_hours_avg"] = (
        float(round(raw["_restore_hours"] / restored, 2)) if restored else None
    )
    linked = raw["linked_repairs"]
    out["interception_rate"] = round(raw["intercepted"] / linked, 4) if linked else None
    out["network_compensation"] = str(
        raw["network_compensation"].quantize(Decimal("0.01"))
    )
    out["installer_compensation"] = str(
        raw["installer_compensation"].quantize(Decimal("0.01"))
    )
    return out


def fault_report(period: rules.Period, *, district_id: int | None = None) -> dict:
    """``{"period", "start", "end", "by": "district", "rows", "totals"}``."""
    start, end = period.bounds()
    districts = District.objects.order_by("code")
    if district_id is not None:
        districts = districts.filter(pk=district_id)
    names = {d.pk: (d.code, d.name) for d in districts}
    per: dict[int, dict] = defaultdict(_empty)
    totals = _empty()

    faults = NetworkFault.objects.exclude(status=FaultStatus.DISMISSED).filter(
        started_at__gte=start, started_at__lt=end
    )
    for started, restored, district_ids in faults.values_list(
        "started_at", "restored_at", "district_ids"
    ):
        mine = [d for d in district_ids if d in names]
        if not mine:
            continue
        hours = (
            Decimal((restored - started).total_seconds()) / 3600 if restored else None
        )
        for bucket in [*(per[d] for d in mine), totals]:
            bucket["faults"] += 1
            if hours is not None:
                bucket["faults_restored"] += 1
                bucket["_restore_hours"] += hours

    repairs = WorkOrder.objects.filter(
        kind=Kind.REPAIR,
        accepted_at__gte=start,
        accepted_at__lt=end,
        district_id__in=names,
    )
    for row in repairs.values("district_id").annotate(
        linked=Count("pk", filter=Q(network_fault__isnull=False)),
        intercepted=Count("pk", filter=Q(fault_intercepted=True)),
        unlinked=Count("pk", filter=Q(network_fault__isnull=True)),
    ):
        for bucket in (per[row["district_id"]], totals):
            bucket["linked_repairs"] += row["linked"]
            bucket["network_repairs"] += row["linked"]
            bucket["intercepted"] += row["intercepted"]
            bucket["installer_repairs"] += row["unlinked"]

    claims = Claim.objects.filter(
        created_at__gte=start, created_at__lt=end, status__in=DUE, district_id__in=names
    )
    for row in claims.values("district_id").annotate(
        network=Sum("amount", filter=Q(work_order__network_fault__isnull=False)),
        installer=Sum("amount", filter=Q(work_order__network_fault__isnull=True)),
    ):
        for bucket in (per[row["district_id"]], totals):
            bucket["network_compensation"] += row["network"] or Decimal("0")
            bucket["installer_compensation"] += row["installer"] or Decimal("0")

    rows = [
        {"key": code, "name": name, "metrics": _finish(per[pk])}
        for pk, (code, name) in names.items()
    ]
    return {
        "period": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "by": "district",
        "rows": rows,
        "totals": _finish(totals),
    }


def fault_report_xlsx(report: dict, *, scope: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "网络故障"
    ws.append([f"网络故障报表 {report['start']} 至 {report['end']}（{scope}）"])
    ws.append(["编码", "名称", *[label for _k, label, _kind in METRICS]])
    for cell in ws[2]:
        cell.font = Font(bold=True)

    def values(metrics):
        out = []
        for key, _label, kind in METRICS:
            value = metrics[key]
            out.append(float(value) if kind == "money" and value is not None else value)
        return out

    for row in report["rows"]:
        ws.append([row["key"], row["name"], *values(row["metrics"])])
    ws.append(["", "合计", *values(report["totals"])])
    for col, (_k, _l, kind) in enumerate(METRICS, start=3):
        fmt = {"rate": "0.00%", "money": "0.00", "hours": "0.00"}.get(kind)
        if fmt:
            for r in range(3, ws.max_row + 1):
                ws.cell(row=r, column=col).number_format = fmt
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
