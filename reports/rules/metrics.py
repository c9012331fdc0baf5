"""The metrics of the quality reports: what each one counts, and how.

Pure: no ORM, no clock, no settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .. import appointments

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
