"""The quality report xlsx as written before issue 18 (a grid of cells, formatted
column by column afterwards), kept only for bench/reports.py to compare with
the streamed (write-only) reports.exports. Copied from reports/exports.py.

Each sheet: a header row in Chinese (编码, 名称, then every metric in
``rules.METRICS`` order), one row per key, and a 合计 (totals) row. Rates are
stored as the JSON's fractions with a percentage format, money as numbers with
two places, so a cell holds exactly the value the API returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports import rules
from reports.selectors import Report, Section

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
FORMATS = {rules.RATE: "0.00%", rules.MONEY: "0.00", rules.HOURS: "0.00"}

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    title: str
    section: Section
    grouping: str


def _cell(metric: rules.Metric, value):
    if value is None:
        return None
    if metric.kind == rules.MONEY:
        return Decimal(value)
    return value


def _metric_cells(metrics: dict) -> list:
    return [_cell(m, metrics[m.key]) for m in rules.METRICS]


def _write_section(wb: Workbook, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet.title[:31])
    label = rules.GROUPING_LABELS[sheet.grouping]
    ws.append([f"{label}编码", str(label), *[str(m.label) for m in rules.METRICS]])
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in sheet.section.rows:
        ws.append([row.key, str(row.name), *_metric_cells(row.metrics)])
    ws.append(["合计", "", *_metric_cells(sheet.section.totals)])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = TOTAL_FILL
    for index, metric in enumerate(rules.METRICS, start=3):
        fmt = FORMATS.get(metric.kind)
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 12
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 18
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "C2"


def _write_notes(wb: Workbook, lines: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet("说明")
    for line in lines:
        ws.append(list(line))
    ws.append([])
    ws.append(["指标", "键", "日期口径", "定义"])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for m in rules.METRICS:
        ws.append([str(m.label), m.key, str(m.basis), str(m.definition)])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 100


def _notes(report: Report, scope: str) -> list[tuple[str, str]]:
    current, previous = report.current, report.previous
    lines = [
        ("报表", f"质量分析{rules.PERIOD_LABELS[current.period.kind]}"),
        ("范围", scope),
        ("本期", f"{current.period.start} 至 {current.period.end}"),
        ("上期", f"{previous.period.start} 至 {previous.period.end}"),
        ("生成时间", f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"),
        ("时区", "Asia/Shanghai，按本地日历日统计"),
    ]
    if current.live_days:
        lines.append(
            ("实时计算的日期", ", ".join(d.isoformat() for d in current.live_days))
        )
    if current.missing_days:
        lines.append(
            ("缺少汇总的日期", ", ".join(d.isoformat() for d in current.missing_days))
        )
    return lines


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_xlsx(report: Report, *, scope: str = "全市") -> bytes:
    """The API's report: this period and the previous one by the same grouping
    (in Chinese whatever the page's language: the spreadsheets are documents)."""
    with translation.override("zh-hans"):
        return _report_xlsx(report, scope=scope)


def _report_xlsx(report: Report, *, scope: str) -> bytes:
    label = rules.GROUPING_LABELS[report.by]
    wb = Workbook()
    wb.remove(wb.active)
    _write_section(wb, Sheet(f"本期按{label}", report.current, report.by))
    _write_section(wb, Sheet(f"上期按{label}", report.previous, report.by))
    _write_notes(wb, _notes(report, scope))
    return _save(wb)


def full_report_xlsx(reports: list[Report], *, scope: str = "全市") -> bytes:
    """A stored report: one sheet per grouping of this period, then the
    previous period by district for comparison (in Chinese)."""
    with translation.override("zh-hans"):
        return _full_report_xlsx(reports, scope=scope)


def _full_report_xlsx(reports: list[Report], *, scope: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for report in reports:
        label = rules.GROUPING_LABELS[report.by]
        _write_section(wb, Sheet(f"按{label}", report.current, report.by))
    first = reports[0]
    _write_section(
        wb,
        Sheet(f"上期按{rules.GROUPING_LABELS[first.by]}", first.previous, first.by),
    )
    _write_notes(wb, _notes(first, scope))
    return _save(wb)
