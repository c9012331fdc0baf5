"""Customers, work orders, the order timeline and the deadline policy."""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import (
    AreaType,
    District,
    PackageArea,
    Product,
    RegionGroup,
    Technician,
)

from . import rules


class CustomerLevel(models.TextChoices):
    DIAMOND = "diamond", _("钻石")
    GOLD = "gold", _("金")
    SILVER = "silver", _("银")
    ORDINARY = "ordinary", _("普通")


class Segment(models.TextChoices):
    PUBLIC = "public", _("公众")
    GOVERNMENT_ENTERPRISE = "government_enterprise", _("政企")
    CAMPUS = "campus", _("校园")


class Kind(models.TextChoices):
    INSTALL = "install", _("新装")
    MOVE = "move", _("移机")
    REPAIR = "repair", _("修障")


class Source(models.TextChoices):
    CRM = "crm", _("CRM")
    HOTLINE = "hotline", _("10000号")
    SELF_SERVICE = "self_service", _("自助")


class Status(models.TextChoices):
    PENDING = rules.PENDING, _("待派")
    DISPATCHED = rules.DISPATCHED, _("已派")
    ACCEPTED = rules.ACCEPTED, _("已接单")
    APPOINTED = rules.APPOINTED, _("已预约")
    ON_SITE = rules.ON_SITE, _("处理中")
    SUSPENDED = rules.SUSPENDED, _("挂起")
    COMPLETED = rules.COMPLETED, _("已竣工")
    CLOSED = rules.CLOSED, _("已归档")
    CANCELLED = rules.CANCELLED, _("已撤单")


class Resolution(models.TextChoices):
    ONSITE = "onsite", _("上门处理")
    REMOTE = "remote", _("远程处理")
    NETWORK_FAULT = "network_fault", _("网络故障已恢复")


class DelayCause(models.TextChoices):
    INSTALLER = "installer", _("装维原因")
    CUSTOMER = "customer", _("客户原因")
    THIRD_PARTY = "third_party", _("第三方原因")
    FORCE_MAJEURE = "force_majeure", _("不可抗力")
    NETWORK_RESOURCE = "network_resource", _("网络资源")
    ACCEPTANCE_ERROR = "acceptance_error", _("受理失误")
    OTHER = "other", _("其他")


class DispatchFlag(models.TextChoices):
    NO_CANDIDATE = "no_candidate", _("无人可派")
    REDISPATCH_REQUESTED = "redispatch_requested", _("申请改派")


class Customer(models.Model):
    name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("电话"), max_length=20, db_index=True)
    account = models.CharField(_("账号"), max_length=64, blank=True, default="")
    level = models.CharField(
        _("客户等级"),
        max_length=16,
        choices=CustomerLevel.choices,
        default=CustomerLevel.ORDINARY,
    )
    segment = models.CharField(
        _("客户类型"), max_length=32, choices=Segment.choices, default=Segment.PUBLIC
    )
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    package_area = models.ForeignKey(
        PackageArea, models.SET_NULL, null=True, blank=True, verbose_name=_("小包区")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = verbose_name
        # The desk's search by a whole (short) name; longer parts go through
        # the trigram index (migration 0007, PostgreSQL only).
        indexes = [models.Index(fields=["name"], name="customer_name")]

    def __str__(self):
        return f"{self.name} {self.phone}"

    @property
    def is_vip(self) -> bool:
        return self.level in rules.VIP_LEVELS


class WorkOrder(models.Model):
    number = models.CharField(_("工单号"), max_length=32, unique=True)
    crm_order_id = models.CharField(
        _("CRM订单号"), max_length=64, blank=True, default=""
    )
    idempotency_key = models.CharField(
        _("请求键"), max_length=128, blank=True, default=""
    )
    request_hash = models.CharField(
        _("请求内容摘要"), max_length=64, blank=True, default=""
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    product = models.CharField(_("产品"), max_length=32, choices=Product.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="orders", verbose_name=_("客户")
    )
    address = models.CharField(_("地址"), max_length=255)
    package_area = models.ForeignKey(
        PackageArea, models.PROTECT, related_name="orders", verbose_name=_("小包区")
    )
    # Copied from the package area at intake: a reorganisation later must not
    # move history, and the console filters on these at every refresh.
    group = models.ForeignKey(
        RegionGroup, models.PROTECT, related_name="orders", verbose_name=_("区域组")
    )
    district = models.ForeignKey(
        District, models.PROTECT, related_name="orders", verbose_name=_("区局")
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    description = models.TextField(_("描述"), blank=True, default="")
    same_day_requested = models.BooleanField(_("客户要求当日服务"), default=True)
    is_same_day = models.BooleanField(_("当日装/当日修"), default=False)
    deadline_basis = models.CharField(
        _("时限依据"), max_length=100, blank=True, default=""
    )
    commitment_deadline = models.DateTimeField(
        _("承诺时限(慢必赔)"),
        null=True,
        blank=True,
        help_text=_(
            "按录入时间计算的承诺时限；挂起和改约不改变它，慢必赔按它计算超时。"
        ),
    )
    deadline_follows_appointment = models.BooleanField(
        _("时限随预约"),
        default=False,
        help_text=_("16点后受理的当日装：首次预约后以预约结束时间为时限。"),
    )

    accepted_at = models.DateTimeField(_("录入时间"), db_index=True)
    deadline = models.DateTimeField(_("完成时限"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("首次响应时限"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    appointment_start = models.DateTimeField(_("预约开始"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("预约结束"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("竣工时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("撤单时间"), null=True, blank=True)

    technician = models.ForeignKey(
        Technician,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("装维工程师"),
    )
    queue_rank = models.PositiveSmallIntegerField(
        _("派单优先级"), default=1, help_text=_("0 = VIP或当日装/修，优先派单")
    )
    dispatch_flag = models.CharField(
        _("调度标记"),
        max_length=32,
        choices=DispatchFlag.choices,
        blank=True,
        default="",
    )
    dispatch_flag_reason = models.CharField(
        _("调度标记原因"), max_length=255, blank=True, default=""
    )
    urge_count = models.PositiveIntegerField(_("催单次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    sla_ladder_level = models.PositiveSmallIntegerField(
        _("超时升级已触发级别"),
        default=0,
        help_text=_(
            "按时间触发的超时升级已到的级别；催单、回访和人工升级不计入，"
            "每一级到时各触发一次。"
        ),
    )
    is_repeat_fault = models.BooleanField(_("重复障碍"), default=False)

    # The internal SLA clock (过程管控, see rules.sla_checkpoints). Written in
    # the same transaction as every change of the order, never by a signal.
    sla_deadline = models.DateTimeField(
        _("内部时限"),
        help_text=_("完成时限加上已批准挂起的时长；预警和升级以此为准。"),
    )
    sla_next_check_at = models.DateTimeField(
        _("下次检查时间"),
        null=True,
        blank=True,
        help_text=_("下一个预警/首次响应/升级时点；已挂起或已结束为空。"),
    )
    sla_warnings_sent = models.PositiveSmallIntegerField(
        _("已处理预警点"),
        default=0,
        help_text=_("位标记: 1=时限已用80%, 2=到期前60分钟"),
    )
    first_response_missed = models.BooleanField(_("首次响应超时"), default=False)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    status_before_suspend = models.CharField(
        _("挂起前状态"), max_length=16, choices=Status.choices, blank=True, default=""
    )
    paused_seconds = models.PositiveIntegerField(_("累计挂起时长(秒)"), default=0)
    resolution = models.CharField(
        _("处理方式"), max_length=16, choices=Resolution.choices, blank=True, default=""
    )
    delay_cause = models.CharField(
        _("超时原因"), max_length=32, choices=DelayCause.choices, blank=True, default=""
    )
    completion_evidence = models.CharField(
        _("佐证"), max_length=255, blank=True, default=""
    )
    completion_note = models.TextField(_("竣工备注"), blank=True, default="")
    cancel_reason = models.CharField(
        _("撤单原因"), max_length=255, blank=True, default=""
    )
    # 大面积故障 (SPEC §13). Declared by string: the fault lives in a higher
    # app (network_faults), which owns every write of these three fields
    # through the services below; workorders never imports it.
    network_fault = models.ForeignKey(
        "network_faults.NetworkFault",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_orders",
        verbose_name=_("网络故障"),
    )
    fault_hold = models.BooleanField(
        _("随故障挂起派单"),
        default=False,
        help_text=_("关联网络故障期间不单独派单；恢复或复开后解除。"),
    )
    fault_intercepted = models.BooleanField(
        _("10000号拦截"),
        default=False,
        help_text=_("坐席查询客户时发现网络故障，来电记入故障而非单独派单。"),
    )
    substitute = models.CharField(
        _("替代措施"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("如3G/4G替代、借用设备。"),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    #: the customer's own page (SPEC §14): an unguessable token, not the id
    customer_token = models.CharField(
        _("客户页面令牌"),
        max_length=43,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Position in the change feed (`updated_after`, docs/api.md "Sync"),
    # stamped by a database trigger on every INSERT and UPDATE, never by
    # Python: the writing transaction's id on PostgreSQL, the next number on
    # SQLite (whose writers are serialised). See selectors.change_feed.
    change_seq = models.BigIntegerField(_("变更序号"), default=0, editable=False)
    # The scan's bookkeeping is not order history; escalations and misses are.
    history = HistoricalRecords(
        excluded_fields=["sla_next_check_at", "sla_warnings_sent", "change_seq"]
    )

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = verbose_name
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["crm_order_id"],
                condition=~Q(crm_order_id=""),
                name="workorder_unique_crm_order_id",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="workorder_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="wo_status_deadline"),
            models.Index(fields=["technician", "status"], name="wo_technician_status"),
            # Workload today (工时池): a technician's orders completed since
            # midnight, without reading their whole history.
            models.Index(
                fields=["technician", "completed_at"],
                name="wo_technician_completed",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(fields=["change_seq", "id"], name="wo_change_feed"),
            models.Index(fields=["district", "status"], name="wo_district_status"),
            models.Index(fields=["group", "status"], name="wo_group_status"),
            # a day's slots read the group's appointments of that day (SPEC §14)
            models.Index(
                fields=["group", "appointment_start"], name="wo_group_appointment"
            ),
            models.Index(
                fields=["customer", "product", "completed_at"],
                name="wo_customer_product_done",
            ),
            # Fault detection (SPEC §13): repairs of one product in one
            # package area entered in the last W minutes, a range read whose
            # cost follows the new repairs, never the open ones.
            models.Index(
                fields=["package_area", "product", "accepted_at"],
                name="wo_repair_cluster",
                condition=Q(kind="repair"),
            ),
            # The SLA scan's due selection. Only orders with something left
            # to check are in it (NULL once closed, cancelled or suspended),
            # so its size follows the open orders and a scan reads only the
            # due ones: ``WHERE sla_next_check_at <= now``.
            models.Index(
                fields=["sla_next_check_at"],
                name="wo_sla_next_check",
                condition=Q(sla_next_check_at__isnull=False),
            ),
            # The dispatcher queue (SPEC §4 order) read as an index: a page is
            # the next 50 entries, whatever the number of open orders. The
            # district one serves scoped dispatchers and the district filter.
            models.Index(
                fields=["queue_rank", "sla_deadline", "accepted_at", "id"],
                name="wo_queue_open",
                condition=Q(status__in=sorted(rules.OPEN_STATES)),
            ),
            models.Index(
                fields=["district", "queue_rank", "sla_deadline", "accepted_at", "id"],
                name="wo_district_queue_open",
                condition=Q(status__in=sorted(rules.OPEN_STATES)),
            ),
            # The console's change marker (max of updated_at per scope): one
            # index probe tells a poll whether anything changed.
            models.Index(fields=["updated_at"], name="wo_updated"),
            models.Index(fields=["district", "updated_at"], name="wo_district_updated"),
            # 无人可派 counts in the navigation.
            models.Index(
                fields=["district"],
                name="wo_flagged_pending",
                condition=Q(status=rules.PENDING) & ~Q(dispatch_flag=""),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_STATES

    def sla_state(self, **changes) -> rules.SlaState:
        """The SLA clock's view of this order, with ``changes`` (field names) applied."""
        values = {
            "status": self.status,
            "accepted_at": self.accepted_at,
            "deadline": self.deadline,
            "sla_deadline": self.sla_deadline,
            "dispatched_at": self.dispatched_at,
            "first_response_due": self.first_response_due,
            "first_contact_at": self.first_contact_at,
            "first_response_missed": self.first_response_missed,
            "warnings_sent": self.sla_warnings_sent,
            "escalation_level": self.escalation_level,
            "ladder_level": self.sla_ladder_level,
            "is_repeat_fault": self.is_repeat_fault,
        }
        renamed = {
            "sla_warnings_sent": "warnings_sent",
            "sla_ladder_level": "ladder_level",
        }
        for name, value in changes.items():
            key = renamed.get(name, name)
            if key in values:
                values[key] = value
        return rules.SlaState(**values)


class EventKind(models.TextChoices):
    CREATED = "created", _("受理")
    STATUS = "status", _("状态变更")
    DISPATCH = "dispatch", _("派单")
    NOTE = "note", _("备注")
    NOTIFY = "notify", _("通知")
    REDISPATCH = "redispatch", _("申请改派")
    NO_CANDIDATE = "no_candidate", _("无人可派")
    WARNING = "warning", _("超时预警")
    FIRST_RESPONSE = "first_response", _("首次响应超时")
    URGE = "urge", _("催单")
    ESCALATION = "escalation", _("升级")
    APPROVAL = "approval", _("审批")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("解除挂起")
    RESCHEDULE = "reschedule", _("改约")
    COMPENSATION = "compensation", _("慢必赔")
    COMPLAINT = "complaint", _("投诉")
    CALLBACK = "callback", _("回访")
    NETWORK_FAULT = "network_fault", _("网络故障")


#: the customer page's path under ``CUSTOMER_BASE_URL`` (routed by the console)
CUSTOMER_PATH = "/c/{token}/"


def new_customer_token() -> str:
    return secrets.token_urlsafe(24)


def customer_url(order: WorkOrder) -> str | None:
    """The absolute link the order's customer SMS carries."""
    if not order.customer_token:
        return None
    base = settings.CUSTOMER_BASE_URL.rstrip("/")
    return base + CUSTOMER_PATH.format(token=order.customer_token)


class WorkOrderEvent(models.Model):
    """One line of the order timeline: who did what, when, from/to and why."""

    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="events", verbose_name=_("工单")
    )
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("事件"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True, default="")
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=16, blank=True, default="")
    reason = models.TextField(_("原因"), blank=True, default="")
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单时间线")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="woevent_order_at")]

    def __str__(self):
        # the admin's inline shows this: the event by name, at local time
        return f"{self.get_kind_display()} {rules.local(self.at):%Y-%m-%d %H:%M}"


def default_escalation_offsets() -> list[int]:
    """Levels 1/2/3 at the deadline, 2 h and 8 h after it (SPEC §5)."""
    return [0, 120, 480]


class ServicePolicy(models.Model):
    """The deadline policy (SPEC §5). One row; edited in the admin."""

    same_day_cutoff = models.TimeField(_("当日装/修截止时间"), default=time(16, 0))
    same_day_products = models.JSONField(
        _("当日装/修产品"), default=list, help_text=_("产品编码列表")
    )
    same_day_segments = models.JSONField(_("当日装/修客户类型"), default=list)
    mandatory_area_types = models.JSONField(_("强制当日装/修的区域类型"), default=list)
    repair_after_cutoff_hours = models.PositiveIntegerField(
        _("截止后报障修复时限(小时)"), default=24
    )
    late_install_counts_as_same_day = models.BooleanField(
        _("截止后受理的新装按当日装考核"), default=False
    )
    first_response_minutes = models.PositiveIntegerField(
        _("首次响应时限(分钟)"), default=30
    )
    # 过程管控 (SPEC §5): warning points, escalation levels, urges, repeat faults.
    warn_percent_used = models.PositiveSmallIntegerField(
        _("预警点: 时限已用(%)"), default=80, help_text=_("0 表示不预警")
    )
    warn_minutes_before = models.PositiveIntegerField(
        _("预警点: 到期前(分钟)"), default=60, help_text=_("0 表示不预警")
    )
    escalation_offsets_minutes = models.JSONField(
        _("超时升级时点(分钟)"),
        default=default_escalation_offsets,
        help_text=_("超过内部时限多少分钟升到1、2、3级，例如 [0, 120, 480]"),
    )
    urges_to_escalate = models.PositiveSmallIntegerField(
        _("第几次催单自动升级"),
        default=2,
        help_text=_("该次催单升级一次(至少到1级)；此后的催单只再次通知，不再升级。"),
    )
    repeat_fault_days = models.PositiveSmallIntegerField(
        _("重复障碍判定天数"), default=30, help_text=_("0 表示不判定")
    )
    work_day_start = models.TimeField(_("工作时间开始"), default=time(8, 0))
    work_day_end = models.TimeField(_("工作时间结束"), default=time(18, 0))
    hold_non_urgent_notices = models.BooleanField(
        _("非紧急工单的预警仅在工作时间发送"),
        default=True,
        help_text=_(
            "非当日装/修且非VIP工单的超时前预警延至下一个工作时间"
            "(不晚于内部时限)；升级通知总是在触发时立即发送。"
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限政策")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        offsets = self.escalation_offsets_minutes
        if (
            not isinstance(offsets, list)
            or not offsets
            or not all(isinstance(m, int) and m >= 0 for m in offsets)
            or offsets != sorted(offsets)
        ):
            raise ValidationError(
                {
                    "escalation_offsets_minutes": _(
                        "须为递增的非负整数列表，如 [0, 120, 480]"
                    )
                }
            )
        if self.warn_percent_used >= 100:
            raise ValidationError({"warn_percent_used": _("须小于100")})
        if self.work_day_end <= self.work_day_start:
            raise ValidationError({"work_day_end": _("须晚于开始时间")})


class StandardLimitRow(models.Model):
    """全业务服务标准: the time limit for orders outside the same-day commitment."""

    class Vip(models.TextChoices):
        ANY = "any", _("不限")
        VIP = "vip", _("VIP(钻/金/银)")
        ORDINARY = "ordinary", _("普通")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    product = models.CharField(
        _("产品"),
        max_length=32,
        choices=Product.choices,
        blank=True,
        default="",
        help_text=_("留空表示所有产品"),
    )
    customer_class = models.CharField(
        _("客户"), max_length=16, choices=Vip.choices, default=Vip.ANY
    )
    hours = models.PositiveIntegerField(_("时限(小时)"))
    counting = models.CharField(
        _("计时方式"),
        max_length=16,
        choices=[(rules.NATURAL, _("自然小时")), (rules.WORKING, _("工作小时"))],
        default=rules.NATURAL,
        help_text=_("工作小时只计工作日(含调休上班日)的工作时间段。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("标准时限")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "product", "customer_class"],
                name="standard_limit_unique",
            )
        ]

    def __str__(self):
        return f"{self.kind}/{self.product or '*'}/{self.customer_class}: {self.hours}h"

    def as_rule(self) -> rules.StandardLimit:
        vip = {"any": None, "vip": True, "ordinary": False}[self.customer_class]
        return rules.StandardLimit(
            self.kind, self.product or None, vip, self.hours, self.counting
        )


class CalendarOverride(models.Model):
    """A local correction of the working calendar (调休, local holidays).

    Wins over the State Council calendar of the ``chinesecalendar`` package,
    and is the only source besides the weekday rule for the years that
    package does not know yet.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("上班"), help_text=_("勾选=工作日(如调休上班)，不勾选=休息日")
    )
    note = models.CharField(_("说明"), max_length=100, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = verbose_name
        ordering = ["date"]

    def __str__(self):
        kind = _("上班") if self.is_working_day else _("休息")
        return f"{self.date:%Y-%m-%d} {kind}"


class FaultHold(models.Model):
    """A package area (and product) under a suspected or confirmed network fault.

    Written by ``network_faults`` through ``workorders.fault_holds``; read at
    intake in the same statement as the detection count, so a repair entered
    inside a fault's scope is linked and held without a query to a higher app.
    """

    fault = models.ForeignKey(
        "network_faults.NetworkFault",
        models.CASCADE,
        related_name="holds",
        verbose_name=_("网络故障"),
    )
    package_area = models.ForeignKey(
        PackageArea, models.CASCADE, related_name="+", verbose_name=_("小包区")
    )
    product = models.CharField(
        _("产品"),
        max_length=32,
        choices=Product.choices,
        blank=True,
        default="",
        help_text=_("留空表示所有产品"),
    )
    since = models.DateTimeField(_("故障开始"))
    confirmed = models.BooleanField(_("已确认"), default=False)
    fault_number = models.CharField(_("故障编号"), max_length=32)
    eta = models.DateTimeField(_("预计恢复时间"), null=True, blank=True)
    # the fault's owner: the SLA scan raises a held repair's warnings and
    # escalations to this person, once per fault and level
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )

    class Meta:
        verbose_name = _("故障影响范围")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["fault", "package_area"], name="faulthold_unique_area"
            )
        ]
        indexes = [
            models.Index(fields=["package_area", "product"], name="faulthold_scope")
        ]

    def __str__(self):
        return f"{self.fault_number} {self.package_area_id}"


class FaultDetectionRule(models.Model):
    """大面积故障自动发现: N repairs of one product in one package area in W minutes.

    One row per area type; a type without a row uses the field defaults.
    """

    area_type = models.CharField(
        _("区域类型"), max_length=16, choices=AreaType.choices, unique=True
    )
    min_repairs = models.PositiveSmallIntegerField(
        _("障碍单数(N)"), default=5, help_text=_("同一小包区同一产品的障碍单数")
    )
    window_minutes = models.PositiveIntegerField(_("时间窗(分钟,W)"), default=30)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("故障自动发现规则")
        verbose_name_plural = verbose_name

    def __str__(self):
        return (
            f"{self.get_area_type_display()}: {self.min_repairs}/{self.window_minutes}"
        )

    def clean(self):
        if self.min_repairs < 2:
            raise ValidationError({"min_repairs": _("至少为2")})
        if self.window_minutes < 1:
            raise ValidationError({"window_minutes": _("至少为1分钟")})
