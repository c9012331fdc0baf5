"""Customers, work orders and the order timeline."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import District, PackageArea, Product, RegionGroup, Technician

from .. import rules
from .choices import (
    CustomerLevel,
    DelayCause,
    DispatchFlag,
    EventKind,
    Kind,
    Resolution,
    Segment,
    Source,
    Status,
)
from .timeline import TimelineEvent


class Customer(models.Model):
    name = models.CharField(_("姓名"), max_length=100)
    # Indexed in Meta (``customer_phone``): looked up by the whole number,
    # so no ``_like`` (prefix) index; partial numbers go through the trigram
    # index (migration 0008).
    phone = models.CharField(_("电话"), max_length=20)
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
    # The history is read per customer (admin history, by ``id``): the
    # copies of the phone and package-area indexes were never used.
    history = HistoricalRecords(no_db_index=["phone", "package_area"])

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = verbose_name
        # The desk's search by a whole (short) name; longer parts go through
        # the trigram index (migration 0007, PostgreSQL only).
        indexes = [
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["phone"], name="customer_phone"),
        ]

    def __str__(self):
        return f"{self.name} {self.phone}"

    @property
    def is_vip(self) -> bool:
        return self.level in rules.VIP_LEVELS


#: the work order's columns its history copies without their index
_UNREAD_IN_HISTORY = [
    "number",
    "customer_token",
    "accepted_at",
    "customer",
    "package_area",
    "group",
    "district",
    "technician",
    "network_fault",
    "created_by",
]


class WorkOrder(models.Model):
    # unique by a constraint in Meta: a unique field would also get a
    # ``_like`` index, and numbers are never searched by prefix
    number = models.CharField(_("工单号"), max_length=32)
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
    # The foreign keys below have no index of their own: a composite index
    # in Meta starts with each (``wo_customer_product_done``,
    # ``wo_group_status``, ``wo_district_status``, ``wo_technician_status``)
    # and serves their lookups and PROTECT checks.
    customer = models.ForeignKey(
        Customer,
        models.PROTECT,
        related_name="orders",
        verbose_name=_("客户"),
        db_index=False,
    )
    address = models.CharField(_("地址"), max_length=255)
    package_area = models.ForeignKey(
        PackageArea, models.PROTECT, related_name="orders", verbose_name=_("小包区")
    )
    # Copied from the package area at intake: a reorganisation later must not
    # move history, and the console filters on these at every refresh.
    group = models.ForeignKey(
        RegionGroup,
        models.PROTECT,
        related_name="orders",
        verbose_name=_("区域组"),
        db_index=False,
    )
    district = models.ForeignKey(
        District,
        models.PROTECT,
        related_name="orders",
        verbose_name=_("区局"),
        db_index=False,
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
        db_index=False,
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
    #: the customer's own page (SPEC §14): an unguessable token, not the id;
    #: unique by a constraint in Meta (looked up whole: no ``_like`` index);
    #: NULL, not "", for an order without one, which the constraint ignores
    customer_token = models.CharField(  # noqa: DJ001
        _("客户页面令牌"),
        max_length=43,
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
    # The history is read per order (admin history, by ``id``); simple-history
    # would index its copy of every foreign key and unique field besides,
    # indexes no query used and every write of an order maintained.
    history = HistoricalRecords(
        excluded_fields=["sla_next_check_at", "sla_warnings_sent", "change_seq"],
        no_db_index=_UNREAD_IN_HISTORY,
    )

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = verbose_name
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="workorder_unique_number"),
            models.UniqueConstraint(
                fields=["customer_token"], name="workorder_unique_customer_token"
            ),
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

    def get_status_display(self) -> str:
        """Django's ``get_status_display()``, the same answer: the label in the
        active language, or the value itself when it is no choice. Django's
        own makes every choice hashable on each call, and so translates every
        label: a tenth of answering a create (issue 18)."""
        label = _STATUS_LABELS.get(self.status)
        return self.status if label is None else str(label)

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


#: the customer page's path under ``CUSTOMER_BASE_URL`` (routed by the console)
CUSTOMER_PATH = "/c/{token}/"


_STATUS_LABELS = dict(Status.choices)  # value -> lazy label


def new_customer_token() -> str:
    return secrets.token_urlsafe(24)


def customer_url(order: WorkOrder) -> str | None:
    """The absolute link the order's customer SMS carries."""
    if not order.customer_token:
        return None
    base = settings.CUSTOMER_BASE_URL.rstrip("/")
    return base + CUSTOMER_PATH.format(token=order.customer_token)


class WorkOrderEvent(TimelineEvent):
    """One line of the order timeline: who did what, when, from/to and why."""

    # indexed by ``woevent_order_at``, which starts with it
    order = models.ForeignKey(
        WorkOrder,
        models.CASCADE,
        related_name="events",
        verbose_name=_("工单"),
        db_index=False,
    )
    kind = models.CharField(_("事件"), max_length=32, choices=EventKind.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=16, blank=True, default="")
    reason = models.TextField(_("原因"), blank=True, default="")

    class Meta(TimelineEvent.Meta):
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单时间线")
        indexes = [models.Index(fields=["order", "at"], name="woevent_order_at")]

    def __str__(self):
        # the admin's inline shows this: the event by name, at local time
        return f"{self.get_kind_display()} {rules.local(self.at):%Y-%m-%d %H:%M}"
