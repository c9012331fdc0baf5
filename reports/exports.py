"""xlsx of the quality reports (openpyxl): the same numbers as the JSON.

Each sheet: a header row in Chinese (编码, 名称, then every metric in
``rules.METRICS`` order), one row per key, and a 合计 (totals) row. Rates are
stored as the JSON's fractions with a percentage format, money as numbers with
two places, so a cell holds exactly the value the API returns.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import rules
from .selectors import Report, Section

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
CENTRED = Alignment(horizontal="center", wrap_text=True)
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


class _Styles:
    """Styled cells for a write-only sheet, cheaply: each style is set once on
    a prototype and its style ids copied to every cell that wears it."""

    def __init__(self, ws):
        self.ws = ws
        self._prototypes: dict[tuple, WriteOnlyCell] = {}

    def cell(self, value, *, fmt=None, font=None, fill=None, alignment=None):
        key = (fmt, id(font), id(fill), id(alignment))
        prototype = self._prototypes.get(key)
        if prototype is None:
            prototype = WriteOnlyCell(self.ws)
            if fmt:
                prototype.number_format = fmt
            if font:
                prototype.font = font
            if fill:
                prototype.fill = fill
            if alignment:
                prototype.alignment = alignment
            self._prototypes[key] = prototype
        cell = WriteOnlyCell(self.ws, value)
        cell._style = copy(prototype._style)
        return cell


def _write_section(wb: Workbook, sheet: Sheet) -> None:
    """One sheet, streamed: its rows go to the file as they are appended (a
    write-only sheet), so the layout is set before the first row."""
    ws = wb.create_sheet(sheet.title[:31])
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 18
    for index in range(3, len(rules.METRICS) + 3):
        ws.column_dimensions[get_column_letter(index)].width = 12
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "C2"
    styles = _Styles(ws)
    label = rules.GROUPING_LABELS[sheet.grouping]
    heading = [f"{label}编码", str(label), *[str(m.label) for m in rules.METRICS]]
    ws.append(
        [
            styles.cell(text, font=BOLD, fill=HEADER_FILL, alignment=CENTRED)
            for text in heading
        ]
    )
    plan = [(m, FORMATS.get(m.kind)) for m in rules.METRICS]
    for row in sheet.section.rows:
        metrics = row.metrics
        cells = [row.key, str(row.name)]
        for metric, fmt in plan:
            value = _cell(metric, metrics[metric.key])
            cells.append(
                styles.cell(value, fmt=fmt) if fmt and value is not None else value
            )
        ws.append(cells)
    totals = sheet.section.totals
    ws.append(
        [
            styles.cell("合计", font=BOLD, fill=TOTAL_FILL),
            styles.cell(None, font=BOLD, fill=TOTAL_FILL),
            *[
                styles.cell(
                    _cell(m, totals[m.key]), fmt=fmt, font=BOLD, fill=TOTAL_FILL
                )
                for m, fmt in plan
            ],
        ]
    )


def _write_notes(wb: Workbook, lines: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet("说明")
    for letter, width in (("A", 22), ("B", 30), ("C", 14), ("D", 100)):
        ws.column_dimensions[letter].width = width
    styles = _Styles(ws)
    for line in lines:
        ws.append(list(line))
    ws.append([])
    ws.append(
        [
            styles.cell(text, font=BOLD, fill=HEADER_FILL)
            for text in ("指标", "键", "日期口径", "定义")
        ]
    )
    for m in rules.METRICS:
        ws.append([str(m.label), m.key, str(m.basis), str(m.definition)])


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


def _workbook() -> Workbook:
    """A write-only workbook: each sheet's rows are serialised as they are
    appended, never held as a grid of cells (~10,000 rows × 40 columns for a
    monthly report by technician)."""
    return Workbook(write_only=True)


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
    wb = _workbook()
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
    wb = _workbook()
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
