"""xlsx export of a payroll run (openpyxl): lines with a totals row, vendor
settlement, and the rate tables the run used. Values are the JSON's values
(money as numbers with two places)."""

from __future__ import annotations

from io import BytesIO

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .models import PayrollLine, PayrollRun

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
MONEY_FORMAT = "0.00"

#: (header, line attribute) of the lines sheet, API.md's fields first.
LINE_COLUMNS = [
    ("工号", "technician.code"),
    ("姓名", "technician.name"),
    ("外包公司", "vendor.name"),
    ("认证等级", "cert_level"),
    ("岗位工资", "post_wage"),
    ("基础工作量(工时)", "base_hours"),
    ("完成工时", "worked_hours"),
    ("计件工时", "paid_hours"),
    ("现场施工工单", "orders"),
    ("计件工单", "paid_orders"),
    ("质量等级", "grade"),
    ("质量系数", "grade_coefficient"),
    ("计件工资", "piece_wage"),
    ("奖励", "rewards"),
    ("扣罚", "penalties"),
    ("应发合计", "total"),
]
#: Columns summed in the totals row.
SUMMED = {
    "post_wage",
    "base_hours",
    "worked_hours",
    "paid_hours",
    "orders",
    "paid_orders",
    "piece_wage",
    "rewards",
    "penalties",
    "total",
}
MONEY = {"post_wage", "piece_wage", "rewards", "penalties", "total"}

VENDOR_COLUMNS = [
    ("外包公司编码", "vendor__code"),
    ("外包公司", "vendor__name"),
    ("人数", "technicians"),
    ("现场施工工单", "orders"),
    ("计件工单", "paid_orders"),
    ("完成工时", "worked_hours"),
    ("计件工时", "paid_hours"),
    ("岗位工资", "post_wage"),
    ("计件工资", "piece_wage"),
    ("奖励", "rewards"),
    ("扣罚", "penalties"),
    ("结算金额", "total"),
]


def _attr(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part) if obj is not None else None
    return "" if obj is None else obj


def _header(ws, headers):
    ws.append(headers)
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"


def _bold_last_row(ws):
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def _widths(ws, widths):
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _money_columns(ws, keys):
    for col, key in enumerate(keys, start=1):
        if key in MONEY:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = MONEY_FORMAT


def run_xlsx(run: PayrollRun, lines: QuerySet[PayrollLine], vendors: list[dict]):
    """计件工资表: the lines (and a totals row), 外包结算, 费率."""
    wb = Workbook()
    ws = wb.active
    ws.title = "计件工资"
    _header(ws, [h for h, _ in LINE_COLUMNS])
    keys = [key for _, key in LINE_COLUMNS]
    sums = dict.fromkeys(SUMMED, 0)
    count = 0
    for line in lines.iterator(chunk_size=2000):
        ws.append([_attr(line, key) for key in keys])
        for key in SUMMED:
            sums[key] += getattr(line, key)
        count += 1
    ws.append(
        [
            "合计" if i == 0 else f"{count}人" if i == 1 else sums.get(key, "")
            for i, key in enumerate(keys)
        ]
    )
    _bold_last_row(ws)
    _money_columns(ws, keys)
    _widths(ws, [10, 10, 16, 8, 12, 14, 10, 10, 12, 10, 8, 8, 12, 10, 10, 12])

    vs = wb.create_sheet("外包结算")
    _header(vs, [h for h, _ in VENDOR_COLUMNS])
    vkeys = [key for _, key in VENDOR_COLUMNS]
    for row in vendors:
        vs.append([row[key] for key in vkeys])
    vs.append(["合计", ""] + [sum(row[key] for row in vendors) for key in vkeys[2:]])
    _bold_last_row(vs)
    _money_columns(vs, vkeys)
    _widths(vs, [12, 18, 8, 12, 10, 10, 10, 12, 12, 10, 10, 12])

    info = wb.create_sheet("核算信息")
    local = timezone.localtime
    for label, value in [
        ("月份", run.month),
        ("版本", run.version),
        ("状态", run.get_status_display()),
        ("计算时间", local(run.created_at).strftime("%Y-%m-%d %H:%M:%S")),
        (
            "锁定时间",
            local(run.locked_at).strftime("%Y-%m-%d %H:%M:%S") if run.locked_at else "",
        ),
        ("当日装/修系数", run.rates.get("same_day_coefficient", "")),
        ("延时服务系数", run.rates.get("after_hours_coefficient", "")),
        ("上门服务时段", "–".join(run.rates.get("workday", []))),
    ]:
        info.append([label, value])
    info.append([])
    info.append(["类型", "产品", "单价", "难度系数", "标准工时"])
    for rate in run.rates.get("piece_rates", []):
        info.append(
            [
                rate["kind"],
                rate["product"],
                rate["unit_price"],
                rate["difficulty"],
                rate["hours"],
            ]
        )
    info.append([])
    info.append(["质量等级", "系数", "满意率≥", "重复障碍率≤", "责任投诉≤"])
    for grade in run.rates.get("grades", []):
        info.append(
            [
                grade["code"],
                grade["coefficient"],
                grade["min_satisfaction"] or "",
                grade["max_repeat_rate"] or "",
                "" if grade["max_complaints"] is None else grade["max_complaints"],
            ]
        )
    _widths(info, [16, 16, 10, 12, 12])

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
