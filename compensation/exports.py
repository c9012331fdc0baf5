"""xlsx exports of 慢必赔 lists (openpyxl)."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .selectors import PaidList

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


def _sheet(wb, title, header, rows, total=None, widths=None):
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(row)
    if total:
        ws.append(total)
        for cell in ws[ws.max_row]:
            cell.font = BOLD
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.freeze_panes = "A2"
    return ws


def paid_list_xlsx(listing: PaidList) -> bytes:
    """每月已补偿清单: one sheet of claims, one per district, one per vendor."""
    wb = Workbook()
    wb.remove(wb.active)
    rows = []
    for c in listing.claims:
        rows.append(
            [
                c.work_order.number,
                c.get_kind_display(),
                c.district.name,
                c.vendor.name if c.vendor else "",
                c.phone,
                timezone.localtime(c.deadline).strftime("%Y-%m-%d %H:%M:%S"),
                timezone.localtime(c.completed_at).strftime("%Y-%m-%d %H:%M:%S"),
                c.days_late,
                c.amount,
                timezone.localtime(c.paid_at).strftime("%Y-%m-%d %H:%M:%S"),
                c.payment_ref,
            ]
        )
    ws = _sheet(
        wb,
        "已补偿清单",
        [
            "工单号",
            "类型",
            "区局",
            "外包公司",
            "客户电话",
            "承诺时限",
            "竣工时间",
            "超时天数",
            "补偿金额(元)",
            "充值时间",
            "充值流水",
        ],
        rows,
        total=[
            "合计",
            f"{listing.total_count}户",
            "",
            "",
            "",
            "",
            "",
            "",
            listing.total_amount,
            "",
            "",
        ],
        widths=[18, 8, 14, 16, 14, 20, 20, 10, 12, 20, 14],
    )
    for row in ws.iter_rows(min_row=2, min_col=9, max_col=9):
        row[0].number_format = "0.00"
    _sheet(
        wb,
        "按区局",
        ["区局编码", "区局", "户数", "金额(元)"],
        [
            [r["district__code"], r["district__name"], r["count"], r["amount"]]
            for r in listing.by_district
        ],
        total=["合计", "", listing.total_count, listing.total_amount],
        widths=[12, 16, 8, 12],
    )
    _sheet(
        wb,
        "按外包公司",
        ["外包公司编码", "外包公司", "户数", "金额(元)"],
        [
            [
                r["vendor__code"] or "-",
                r["vendor__name"] or "自有人员",
                r["count"],
                r["amount"],
            ]
            for r in listing.by_vendor
        ],
        total=["合计", "", listing.total_count, listing.total_amount],
        widths=[14, 18, 8, 12],
    )
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
