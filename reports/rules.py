"""Pure rules of the quality reports (SPEC §10): periods, counters, metrics.

No ORM, no clock, no settings: values in, values out.

A report is built from **counters** (numerators and denominators) summed over
the days of a period; every metric is computed from the summed counters, never
by averaging daily rates. The daily rollup rows hold exactly these counters,
so a period report is a sum of rows, and the report computed from raw orders
(``reports.raw``) yields the same counters for the same days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from . import appointments

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# --- periods -----------------------------------------------------------------------

DAY = "day"
WEEK = "week"
MONTH = "month"
PERIODS = (DAY, WEEK, MONTH)
PERIOD_LABELS = {DAY: _("日报"), WEEK: _("周报"), MONTH: _("月报")}

#: Dates the reports accept (the zone database is only reliable in this range,
#: and nothing of the business is older).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """A report period: local calendar days ``start`` … ``end`` (both inclusive)."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [
            self.start + timedelta(days=i)
            for i in range((self.end - self.start).days + 1)
        ]

    @property
    def label(self) -> str:
        if self.kind == DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == WEEK:
            return f"{self.start:%Y-%m-%d}~{self.end:%m-%d}"
        return f"{self.start:%Y-%m}"

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, day after end 00:00)`` in Asia/Shanghai, aware."""
        return day_bounds(self.start)[0], day_bounds(self.end)[1]


def period_of(kind: str, day: date) -> Period:
    """The day, the ISO week (Monday–Sunday) or the calendar month holding ``day``."""
    if kind == DAY:
        return Period(DAY, day, day)
    if kind == WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(WEEK, monday, monday + timedelta(days=6))
    if kind == MONTH:
        first = day.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Period(MONTH, first, following - timedelta(days=1))
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def previous_period(period: Period) -> Period:
    return period_of(period.kind, period.start - timedelta(days=1))


def next_period(period: Period) -> Period:
    return period_of(period.kind, period.end + timedelta(days=1))


def last_periods(period: Period, count: int) -> list[Period]:
    """``count`` consecutive periods ending with ``period``, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(previous_period(periods[-1]))
    return periods[::-1]


def last_complete_period(kind: str, today: date) -> Period:
    """The latest period of ``kind`` that ended before ``today``."""
    return previous_period(period_of(kind, today))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``[00:00, next 00:00)`` of a local calendar day, aware."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    following = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return start, following


def local_day(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(LOCAL_TZ).date()


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` within [FIRST_DATE, LAST_DATE]; ``ValueError`` otherwise."""
    if len(text) != 10 or not text.isascii():
        raise ValueError("date must be YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("date must be YYYY-MM-DD") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"date must be between {FIRST_DATE} and {LAST_DATE}")
    return day


# --- groupings and the dimension sentinels -------------------------------------------

DISTRICT = "district"
GROUP = "group"
TECHNICIAN = "technician"
VENDOR = "vendor"
GROUPINGS = (DISTRICT, GROUP, TECHNICIAN, VENDOR)
GROUPING_LABELS = {
    DISTRICT: _("区局"),
    GROUP: _("区域组"),
    TECHNICIAN: _("装维工程师"),
    VENDOR: _("外包公司"),
}

#: No such dimension: an order without technician, a complaint not yet routed.
NONE = 0
#: ``vendor_id`` of a technician of the operator's own staff (no vendor).
OWN_STAFF = -1

#: API keys of the sentinel rows (the others are the org codes).
KEY_NONE = ""
KEY_OWN_STAFF = "own"
NONE_NAMES = {
    DISTRICT: _("未归属区局"),
    GROUP: _("未归属区域组"),
    TECHNICIAN: _("未派单/远程处理"),
    VENDOR: _("未派单/远程处理"),
}
OWN_STAFF_NAME = _("自有人员")


def vendor_dim(technician_id: int | None, vendor_id: int | None) -> int:
    """The vendor dimension of an order: its technician's vendor, own staff, or none."""
    if technician_id is None:
        return NONE
    return vendor_id if vendor_id is not None else OWN_STAFF


@dataclass(frozen=True, order=True)
class Dims:
    """The finest rollup grain: one order's district, group, technician, vendor."""

    district: int = NONE
    group: int = NONE
    technician: int = NONE
    vendor: int = NONE

    def of(self, grouping: str) -> int:
        return getattr(self, grouping)


# --- counters ------------------------------------------------------------------------

#: Integer counters, in the order of the rollup table's columns.
INT_COUNTERS = (
    # entry date (录入时间) of the order
    "received",
    "cancelled",
    "repair_received",
    "repeat_faults",
    "repair_received_vip",
    "repeat_faults_vip",
    "repair_received_ordinary",
    "repeat_faults_ordinary",
    "repair_received_broadband_vip",
    "repeat_faults_broadband_vip",
    "repair_received_broadband_ordinary",
    "repeat_faults_broadband_ordinary",
    # completion date (竣工时间)
    "completed",
    "sd_install_due",
    "sd_install_on_time",
    "sd_repair_due",
    "sd_repair_on_time",
    "repair_done",
    "repair_on_time",
    "repair_done_broadband",
    "repair_on_time_broadband",
    "repair_done_itv",
    "repair_on_time_itv",
    "repair_done_phone",
    "repair_on_time_phone",
    "remote_resolved",
    "remote_resolved_broadband",
    "kept_due",
    "kept",
    "onsite_done",
    # dispatch date
    "dispatched",
    "first_response_on_time",
    # callback date (回访时间)
    "callbacks",
    "satisfied",
    "cb_contact_good",
    "cb_punctuality_good",
    "cb_skill_good",
    "cb_attitude_good",
    # complaint date (受理时间)
    "complaints",
    "complaints_product_quality",
    "complaints_marketing_channel",
    "complaints_service_support",
    "complaints_order_linked",
    # SLA events (时间)
    "urges",
    "escalations",
    # claims (竣工时间 of the order)
    "compensation_count",
    # approvals (申请时间), approved only
    "suspensions",
    "reschedules",
    # the rest rota, on the Monday of each week, per technician
    "rota_weeks",
    "rota_weeks_rested",
) + appointments.INT_COUNTERS  # SPEC §14
#: Decimal counters (two places).
DECIMAL_COUNTERS = ("compensation_amount", "workload_hours")
COUNTERS = INT_COUNTERS + DECIMAL_COUNTERS

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def empty_counters() -> dict:
    counters: dict = dict.fromkeys(INT_COUNTERS, 0)
    counters.update(dict.fromkeys(DECIMAL_COUNTERS, ZERO))
    return counters


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if value else ZERO


def add_counters(total: dict, more: Mapping) -> dict:
    """Add ``more`` into ``total`` (in place); missing or None values count 0."""
    for name in INT_COUNTERS:
        total[name] += more.get(name) or 0
    for name in DECIMAL_COUNTERS:
        total[name] += _decimal(more.get(name))
    return total


def counters_from_row(row: dict) -> dict:
    """Counters from a row of ``SUM(...) GROUP BY`` over the rollup table, in
    place. The columns are NOT NULL, so no sum of a group is NULL; the decimal
    ones become ``Decimal`` (SQLite gives numbers)."""
    for name in DECIMAL_COUNTERS:
        value = row[name]
        if not isinstance(value, Decimal):
            row[name] = _decimal(value)
    return row


def sum_counters(rows: Iterable[Mapping]) -> dict:
    """The sum of complete counter dicts (``empty_counters`` and the like)."""
    rows = list(rows)
    total = {name: sum(map(itemgetter(name), rows)) for name in INT_COUNTERS}
    for name in DECIMAL_COUNTERS:
        total[name] = sum(map(itemgetter(name), rows), ZERO)
    return total


def is_empty(counters: Mapping) -> bool:
    return not any(map(counters.get, COUNTERS))


# --- metrics ------------------------------------------------------------------------

COUNT = "count"
RATE = "rate"
MONEY = "money"
HOURS = "hours"

HIGHER = "higher"
LOWER = "lower"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str
    num: str
    den: str | None = None
    #: which way is good (``None``: informative only)
    better: str | None = HIGHER
    #: the basis date of the counted records, for the definitions table
    basis: str = ""
    definition: str = ""
    #: part of API.md's fixed contract
    contract: bool = False


_ENTRY = _("录入日期")
_DONE = _("竣工日期")

METRICS: tuple[Metric, ...] = (
    Metric(
        "orders_received",
        _("受理工单数"),
        COUNT,
        "received",
        better=None,
        basis=_ENTRY,
        definition=_("录入时间在本期的全部工单（含之后撤单的）。"),
        contract=True,
    ),
    Metric(
        "orders_completed",
        _("竣工工单数"),
        COUNT,
        "completed",
        better=None,
        basis=_DONE,
        definition=_("竣工时间在本期的工单（含远程处理的障碍）。"),
        contract=True,
    ),
    Metric(
        "orders_cancelled",
        _("撤单数"),
        COUNT,
        "cancelled",
        better=None,
        basis=_ENTRY,
        definition=_("录入时间在本期、目前已撤单的工单。"),
    ),
    Metric(
        "same_day_install_rate",
        _("当日装及时率"),
        RATE,
        "sd_install_on_time",
        "sd_install_due",
        basis=_DONE,
        definition=_(
            "分母：本期竣工的当日装工单（新装且受理时判定为当日装）；"
            "分子：其中在承诺时限（按录入时间计算，挂起、改约都不延长）前竣工的。"
        ),
        contract=True,
    ),
    Metric(
        "same_day_repair_rate",
        _("当日修及时率"),
        RATE,
        "sd_repair_on_time",
        "sd_repair_due",
        basis=_DONE,
        definition=_(
            "分母：本期竣工的当日修障碍单；分子：其中在承诺时限（16点前受理当日"
            "23:59:59，16点后受理24小时内；挂起、改约都不延长）前竣工的。"
        ),
        contract=True,
    ),
    Metric(
        "repair_on_time_rate",
        _("障碍修复及时率"),
        RATE,
        "repair_on_time",
        "repair_done",
        basis=_DONE,
        definition=_(
            "分母：本期竣工的全部障碍单（含远程处理）；分子：其中在内部时限前竣工的"
            "（内部时限 = 完成时限，已批准的挂起时长顺延，已批准的改约以新预约为准）。"
        ),
        contract=True,
    ),
    Metric(
        "repair_on_time_rate_broadband",
        _("宽带障碍修复及时率"),
        RATE,
        "repair_on_time_broadband",
        "repair_done_broadband",
        basis=_DONE,
        definition=_("同障碍修复及时率，仅FTTH/FTTB宽带障碍。"),
    ),
    Metric(
        "repair_on_time_rate_itv",
        _("iTV障碍修复及时率"),
        RATE,
        "repair_on_time_itv",
        "repair_done_itv",
        basis=_DONE,
        definition=_("同障碍修复及时率，仅iTV高清障碍。"),
    ),
    Metric(
        "repair_on_time_rate_fixed_phone",
        _("固话障碍修复及时率"),
        RATE,
        "repair_on_time_phone",
        "repair_done_phone",
        basis=_DONE,
        definition=_("同障碍修复及时率，仅固话障碍。"),
    ),
    Metric(
        "install_kept_rate",
        _("装移机履约率"),
        RATE,
        "kept",
        "kept_due",
        basis=_DONE,
        definition=_(
            "分母：本期竣工、有预约时间的新装/移机单；分子：其中在预约结束时间前"
            "上门（无上门记录的按竣工时间）的。已批准的改约以最后一次预约为准。"
        ),
        contract=True,
    ),
    Metric(
        "repeat_fault_rate",
        _("重复申告率"),
        RATE,
        "repeat_faults",
        "repair_received",
        better=LOWER,
        basis=_ENTRY,
        definition=_(
            "分母：本期录入的障碍单（不含已撤单）；分子：其中判定为重复障碍的"
            "（同一客户同一产品上次修复竣工后N天内再次申告，N见时限政策，默认30）。越低越好。"
        ),
        contract=True,
    ),
    Metric(
        "repeat_fault_rate_vip",
        _("VIP客户重复申告率"),
        RATE,
        "repeat_faults_vip",
        "repair_received_vip",
        better=LOWER,
        basis=_ENTRY,
        definition=_("同重复申告率，仅钻石/金/银卡客户。"),
    ),
    Metric(
        "repeat_fault_rate_ordinary",
        _("普通客户重复申告率"),
        RATE,
        "repeat_faults_ordinary",
        "repair_received_ordinary",
        better=LOWER,
        basis=_ENTRY,
        definition=_("同重复申告率，仅普通客户。"),
    ),
    Metric(
        "repeat_fault_rate_broadband_vip",
        _("宽带VIP用户重复申告率"),
        RATE,
        "repeat_faults_broadband_vip",
        "repair_received_broadband_vip",
        better=LOWER,
        basis=_ENTRY,
        definition=_(
            "同重复申告率，仅钻石/金/银卡客户的FTTH/FTTB宽带障碍"
            "（种子000的7.42%是宽带用户的数字）。"
        ),
    ),
    Metric(
        "repeat_fault_rate_broadband_ordinary",
        _("宽带普通用户重复申告率"),
        RATE,
        "repeat_faults_broadband_ordinary",
        "repair_received_broadband_ordinary",
        better=LOWER,
        basis=_ENTRY,
        definition=_(
            "同重复申告率，仅普通客户的FTTH/FTTB宽带障碍"
            "（种子000的8.15%是宽带用户的数字）。"
        ),
    ),
    Metric(
        "first_response_rate",
        _("30分钟首次响应率"),
        RATE,
        "first_response_on_time",
        "dispatched",
        basis=_("派单日期"),
        definition=_(
            "分母：本期派单的工单（改派以最后一次派单为准）；分子：其中在首次响应"
            "时限（派单后30分钟，挂起顺延）内联系了客户的。"
        ),
        contract=True,
    ),
    Metric(
        "remote_resolution_rate",
        _("预处理率(远程解决)"),
        RATE,
        "remote_resolved",
        "repair_done",
        basis=_DONE,
        definition=_(
            "分母：本期竣工的障碍单；分子：其中由技术支撑远程处理（预处理/障碍"
            "拦截/宽心服务，未上门）的。"
        ),
        contract=True,
    ),
    Metric(
        "remote_resolution_rate_broadband",
        _("宽带预处理率"),
        RATE,
        "remote_resolved_broadband",
        "repair_done_broadband",
        basis=_DONE,
        definition=_(
            "同预处理率，仅FTTH/FTTB宽带障碍（种子003的75%目标是宽带预处理率）。"
        ),
    ),
    Metric(
        "satisfaction_rate",
        _("回访满意率"),
        RATE,
        "satisfied",
        "callbacks",
        basis=_("回访日期"),
        definition=_("分母：本期完成的回访；分子：其中客户表示满意的。"),
        contract=True,
    ),
    Metric(
        "callback_contact_rate",
        _("联系及时性满意率"),
        RATE,
        "cb_contact_good",
        "callbacks",
        basis=_("回访日期"),
        definition=_("本期回访中“联系及时性”打分达到满意分（默认4分及以上）的占比。"),
    ),
    Metric(
        "callback_punctuality_rate",
        _("履约及时性满意率"),
        RATE,
        "cb_punctuality_good",
        "callbacks",
        basis=_("回访日期"),
        definition=_("本期回访中“履约及时性”打分达到满意分的占比。"),
    ),
    Metric(
        "callback_skill_rate",
        _("上门技术水平满意率"),
        RATE,
        "cb_skill_good",
        "callbacks",
        basis=_("回访日期"),
        definition=_("本期回访中“上门技术水平”打分达到满意分的占比。"),
    ),
    Metric(
        "callback_attitude_rate",
        _("上门服务态度满意率"),
        RATE,
        "cb_attitude_good",
        "callbacks",
        basis=_("回访日期"),
        definition=_("本期回访中“上门服务态度”打分达到满意分的占比。"),
    ),
    Metric(
        "callbacks",
        _("回访数"),
        COUNT,
        "callbacks",
        better=None,
        basis=_("回访日期"),
        definition=_("本期完成的回访数。"),
    ),
    Metric(
        "complaints",
        _("投诉量"),
        COUNT,
        "complaints",
        better=LOWER,
        basis=_("投诉受理日期"),
        definition=_(
            "本期受理的投诉（各渠道）。关联了工单的按工单的区局/区域组/工程师归属，"
            "否则按投诉的责任区局（未派发的计入“未归属”）。"
        ),
        contract=True,
    ),
    Metric(
        "complaints_product_quality",
        _("投诉：产品质量"),
        COUNT,
        "complaints_product_quality",
        better=LOWER,
        basis=_("投诉受理日期"),
        definition=_("本期受理、质量网为“产品质量”的投诉。"),
    ),
    Metric(
        "complaints_marketing_channel",
        _("投诉：营销渠道"),
        COUNT,
        "complaints_marketing_channel",
        better=LOWER,
        basis=_("投诉受理日期"),
        definition=_("本期受理、质量网为“营销渠道”的投诉。"),
    ),
    Metric(
        "complaints_service_support",
        _("投诉：服务支撑"),
        COUNT,
        "complaints_service_support",
        better=LOWER,
        basis=_("投诉受理日期"),
        definition=_("本期受理、质量网为“服务支撑”的投诉。"),
    ),
    Metric(
        "complaint_order_share",
        _("装维投诉占比"),
        RATE,
        "complaints_order_linked",
        "complaints",
        better=None,
        basis=_("投诉受理日期"),
        definition=_("本期投诉中关联了装移机/修障工单的占比。"),
    ),
    Metric(
        "urges",
        _("催单次数"),
        COUNT,
        "urges",
        better=LOWER,
        basis=_("催单时间"),
        definition=_("本期记录的催单次数（一张工单催多次按多次计）。"),
        contract=True,
    ),
    Metric(
        "escalations",
        _("升级次数"),
        COUNT,
        "escalations",
        better=LOWER,
        basis=_("升级时间"),
        definition=_(
            "本期发生的升级：超时升级的每一级、催单升级、重障升级、不满意回访升级，"
            "每次一条。"
        ),
        contract=True,
    ),
    Metric(
        "suspensions",
        _("挂起数(已批准)"),
        COUNT,
        "suspensions",
        better=None,
        basis=_("申请日期"),
        definition=_("本期申请并已获批准的挂起。"),
    ),
    Metric(
        "reschedules",
        _("改约数(已批准)"),
        COUNT,
        "reschedules",
        better=None,
        basis=_("申请日期"),
        definition=_("本期申请并已获批准的改约（须客户确认）。"),
    ),
    Metric(
        "compensation_count",
        _("慢必赔户数"),
        COUNT,
        "compensation_count",
        better=LOWER,
        basis=_DONE,
        definition=_(
            "本期竣工的工单中产生慢必赔补偿的户数（待审核、已审核、已补偿；"
            "免责和驳回的不计）。"
        ),
        contract=True,
    ),
    Metric(
        "compensation_amount",
        _("慢必赔金额(元)"),
        MONEY,
        "compensation_amount",
        better=LOWER,
        basis=_DONE,
        definition=_("上述补偿的金额合计。"),
        contract=True,
    ),
    Metric(
        "workload_hours",
        _("工作量(标准工时)"),
        HOURS,
        "workload_hours",
        better=None,
        basis=_DONE,
        definition=_("本期竣工且上门处理的工单按工时池标准工时（类型×产品）合计。"),
    ),
    Metric(
        "rest_compliance_rate",
        _("轮休达标率"),
        RATE,
        "rota_weeks_rested",
        "rota_weeks",
        basis=_("周一所在的周"),
        definition=_(
            "分母：本期内开始（周一在本期）的每一周 × 每名工程师；分子：其中该周"
            "至少有一天轮休/请假的。日报不计（为空）。按工程师当前所在区域组归属。"
        ),
    ),
) + appointments.metrics()  # SPEC §14
METRICS_BY_KEY = {m.key: m for m in METRICS}
CONTRACT_KEYS = tuple(m.key for m in METRICS if m.contract)
RATE_KEYS = tuple(m.key for m in METRICS if m.kind == RATE)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in [0, 1] rounded to 4 places, or None when nothing was measured."""
    if not denominator:
        return None
    return round(numerator / denominator, 4)


def money(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def hours(amount: Decimal) -> float:
    return float(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def metric_value(metric: Metric, counters: Mapping, *, period_kind: str):
    if metric.key == "rest_compliance_rate" and period_kind == DAY:
        return None  # a week's rest cannot be judged on one day
    if metric.kind == RATE:
        return rate(counters[metric.num], counters[metric.den])
    if metric.kind == MONEY:
        return money(counters[metric.num])
    if metric.kind == HOURS:
        return hours(counters[metric.num])
    return int(counters[metric.num])


_PLAN = tuple((m.key, m.kind, m.num, m.den) for m in METRICS)


def metrics_of(counters: Mapping, *, period_kind: str) -> dict:
    """Every metric (``METRICS`` order) from summed counters.

    The same as ``metric_value`` for each metric, unrolled: a monthly report
    by technician computes this for ~10,000 rows.
    """
    out = {}
    for key, kind, num, den in _PLAN:
        if kind is RATE:
            d = counters[den]
            out[key] = round(counters[num] / d, 4) if d else None
        elif kind is COUNT:
            out[key] = counters[num]
        elif kind is MONEY:
            out[key] = str(counters[num].quantize(CENT, rounding=ROUND_HALF_UP))
        else:
            out[key] = float(counters[num].quantize(CENT, rounding=ROUND_HALF_UP))
    if period_kind == DAY:
        out["rest_compliance_rate"] = None
    return out


def sample_of(metric: Metric, counters: Mapping) -> int | None:
    """How many records a rate was measured on (None for counts)."""
    return int(counters[metric.den]) if metric.den else None


# --- targets (发布预警) --------------------------------------------------------------

MINIMUM = "min"
MAXIMUM = "max"


def breaches(value, target: Decimal, direction: str) -> bool:
    """True when ``value`` misses ``target``: below a minimum, above a maximum."""
    if value is None:
        return False
    number = Decimal(str(value))
    if direction == MINIMUM:
        return number < target
    if direction == MAXIMUM:
        return number > target
    raise ValueError(f"direction must be {MINIMUM} or {MAXIMUM}")


def formatted(metric: Metric, value) -> str:
    """A value for people: rates as percentages with two places."""
    if value is None:
        return "-"
    if metric.kind == RATE:
        return f"{Decimal(str(value)) * 100:.2f}%"
    return str(value)
