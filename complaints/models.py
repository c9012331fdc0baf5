"""Complaints (投诉) with their steps and time limits, responsibility and
penalty tickets, and customer callbacks (回访) on completed orders."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import District, Technician
from workorders.models import Customer, TimelineEvent, WorkOrder

from . import rules


class Channel(models.TextChoices):
    HOTLINE_10000 = "hotline_10000", _("10000号")
    GM_96133 = "gm_96133", _("96133总经理热线")
    ONLINE = "online", _("网上客服")
    BUSINESS_HALL = "business_hall", _("营业厅")
    OVER_LEVEL = "over_level", _("越级投诉")
    MEDIA = "media", _("媒体曝光")


class ComplaintCategory(models.TextChoices):
    """The three quality networks (三网质量); sub-items are configurable rows."""

    PRODUCT_QUALITY = "product_quality", _("产品质量")
    MARKETING_CHANNEL = "marketing_channel", _("营销渠道")
    SERVICE_SUPPORT = "service_support", _("服务支撑")


class Step(models.TextChoices):
    FRONT_DESK = rules.FRONT_DESK, _("前台提交")
    REVIEW = rules.REVIEW, _("后台复核派单")
    CITY = rules.CITY, _("地市派责任部门")
    DEPARTMENT = rules.DEPARTMENT, _("责任部门答复用户")
    RETURN = rules.RETURN, _("返单")
    CALLBACK = rules.CALLBACK, _("回访用户")
    DETERMINATION = rules.DETERMINATION, _("责任认定")


class ComplaintStatus(models.TextChoices):
    """The open step, or closed."""

    FRONT_DESK = rules.FRONT_DESK, _("待提交")
    REVIEW = rules.REVIEW, _("后台复核")
    CITY = rules.CITY, _("地市处理")
    DEPARTMENT = rules.DEPARTMENT, _("责任部门处理")
    RETURN = rules.RETURN, _("待返单")
    CALLBACK = rules.CALLBACK, _("待回访")
    DETERMINATION = rules.DETERMINATION, _("待责任认定")
    CLOSED = rules.CLOSED, _("已结案")


class Outcome(models.TextChoices):
    """责任认定."""

    HUMAN = "human", _("人为原因")
    NETWORK = "network", _("网络原因")
    CUSTOMER = "customer", _("客户原因")
    NO_FAULT = "no_fault", _("无责")
    INVALID = "invalid", _("无效投诉")


def default_escalation_offsets() -> list[int]:
    """Like work orders (SPEC §5): at the due time, 2 h and 8 h after it."""
    return [0, 120, 480]


def default_escalating_channels() -> list[str]:
    return sorted(rules.ESCALATING_CHANNELS)


class ComplaintPolicy(models.Model):
    """Time limits of the complaint flow (seed 001). One row; edited in the admin."""

    front_desk_minutes = models.PositiveIntegerField(
        _("前台提交时限(分钟)"), default=5, help_text=_("用户挂机后到提交投诉")
    )
    review_minutes = models.PositiveIntegerField(
        _("后台复核派单时限(分钟)"), default=30, help_text=_("从前台提交到派往地市")
    )
    city_minutes = models.PositiveIntegerField(
        _("地市派责任部门时限(分钟)"), default=30
    )
    answer_hours = models.PositiveIntegerField(
        _("责任部门答复用户时限(小时)"), default=20, help_text=_("从地市接单时间起算")
    )
    return_hours = models.PositiveIntegerField(
        _("返单时限(小时)"),
        default=20,
        help_text=_("责任部门返单，从地市接单时间起算(种子001：20小时)"),
    )
    supervise_after_hours = models.PositiveIntegerField(
        _("督办时点(小时)"), default=3, help_text=_("从前台提交起，尚未答复用户则督办")
    )
    commitment_hours = models.PositiveIntegerField(
        _("对外承诺处理时限(小时)"), default=24
    )
    commitment_warn_minutes = models.PositiveIntegerField(
        _("对外承诺到期前预警(分钟)"),
        default=120,
        help_text=_("到期前多少分钟仍未答复用户则预警；到期未答复即升级。0 表示不预警"),
    )
    callback_hours = models.PositiveIntegerField(
        _("投诉回访时限(小时)"), default=24, help_text=_("从返单起算")
    )
    penalty_report_days = models.PositiveIntegerField(
        _("责任认定/处罚上报时限(天)"), default=7, help_text=_("从受理投诉起算")
    )
    repeat_window_days = models.PositiveIntegerField(
        _("重复投诉判定天数"), default=30, help_text=_("0 表示不判定")
    )
    escalation_offsets_minutes = models.JSONField(
        _("超时预警/升级时点(分钟)"),
        default=default_escalation_offsets,
        help_text=_(
            "超过环节时限多少分钟触发第1、2、3级：1级提醒环节责任人，"
            "2级升级至质量监察(班组长)，3级升级至管理层，例如 [0, 120, 480]"
        ),
    )
    escalating_channels = models.JSONField(
        _("升级处理的投诉渠道"),
        default=default_escalating_channels,
        help_text=_("这些渠道的投诉由管理层复核，并升级关联工单"),
    )
    callback_install_days = models.PositiveIntegerField(
        _("新装/移机竣工后回访期限(天)"), default=30
    )
    callback_repair_days = models.PositiveIntegerField(
        _("修障竣工后回访期限(天)"), default=3
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("投诉时限政策")
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
        channels = self.escalating_channels
        if not isinstance(channels, list) or not set(channels) <= set(Channel.values):
            raise ValidationError(
                {"escalating_channels": _('须为渠道编码列表，如 ["gm_96133"]')}
            )

    def limits(self) -> rules.Limits:
        return rules.Limits(
            front_desk=timedelta(minutes=self.front_desk_minutes),
            review=timedelta(minutes=self.review_minutes),
            city=timedelta(minutes=self.city_minutes),
            answer=timedelta(hours=self.answer_hours),
            return_=timedelta(hours=self.return_hours),
            callback=timedelta(hours=self.callback_hours),
            determination=timedelta(days=self.penalty_report_days),
            supervise_after=timedelta(hours=self.supervise_after_hours),
            commitment=timedelta(hours=self.commitment_hours),
            commitment_warn=timedelta(minutes=self.commitment_warn_minutes),
            escalation_offsets=tuple(
                timedelta(minutes=m) for m in self.escalation_offsets_minutes
            ),
        )


class ComplaintSubCategory(models.Model):
    """A configurable sub-item (子项) of one of the three quality networks."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(
        _("所属质量网"), max_length=32, choices=ComplaintCategory.choices
    )
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("投诉分类子项")
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class Complaint(models.Model):
    number = models.CharField(_("投诉单号"), max_length=32, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    customer_name = models.CharField(_("客户姓名"), max_length=100)
    customer = models.ForeignKey(
        Customer,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("客户"),
    )
    work_order = models.ForeignKey(
        WorkOrder,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("关联工单"),
    )
    category = models.CharField(
        _("质量网"), max_length=32, choices=ComplaintCategory.choices
    )
    sub_category = models.ForeignKey(
        ComplaintSubCategory,
        models.PROTECT,
        related_name="complaints",
        verbose_name=_("子项"),
    )
    description = models.TextField(_("投诉内容"), blank=True, default="")
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.FRONT_DESK,
    )
    current_step_due = models.DateTimeField(_("当前环节时限"), null=True, blank=True)

    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    city_received_at = models.DateTimeField(_("地市接单时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复用户时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("返单时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    commitment_due = models.DateTimeField(_("对外承诺时限"))
    commitment_alert = models.PositiveSmallIntegerField(
        _("对外承诺监控"), default=0, help_text=_("0=未提醒，1=已预警，2=已超时升级")
    )
    commitment_check_at = models.DateTimeField(
        _("对外承诺下次检查"),
        null=True,
        blank=True,
        help_text=_("下一次预警或升级的时点；已答复用户、已结案或已升级为空。"),
    )
    supervise_at = models.DateTimeField(
        _("自动督办时点"),
        null=True,
        blank=True,
        help_text=_("到点仍未答复用户则督办；已督办或已答复为空。"),
    )

    is_repeat = models.BooleanField(_("重复投诉"), default=False)
    escalated = models.BooleanField(
        _("升级投诉"), default=False, help_text=_("越级、媒体曝光、96133")
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("超时级别"),
        default=0,
        help_text=_("0=未超时，1=超时提醒，2=升级至质量监察，3=升级至管理层"),
    )
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)

    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("责任区局/地市"),
    )
    department = models.CharField(_("责任部门"), max_length=100, blank=True, default="")
    answer = models.TextField(_("答复内容"), blank=True, default="")
    callback_satisfied = models.BooleanField(_("回访满意"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True, default="")
    outcome = models.CharField(
        _("责任认定"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(_("认定说明"), blank=True, default="")
    determined_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认定人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理人"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = verbose_name
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "received_at"], name="complaint_status_recv"
            ),
            models.Index(
                fields=["customer", "received_at"], name="complaint_cust_recv"
            ),
            # The scan's supervision selection: only complaints still waiting
            # for their 3-hour supervision are in it.
            models.Index(
                fields=["supervise_at"],
                name="complaint_supervise_due",
                condition=Q(supervise_at__isnull=False),
            ),
            # The scan's 24-hour commitment watch: unanswered complaints only.
            models.Index(
                fields=["commitment_check_at"],
                name="complaint_commitment_due",
                condition=Q(commitment_check_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def commitment_met(self) -> bool | None:
        """Answered within the public commitment (None: not answered yet)."""
        if self.answered_at is None:
            return None
        return self.answered_at <= self.commitment_due


class ComplaintStep(models.Model):
    """One step of one complaint: its owner, due time and completion."""

    complaint = models.ForeignKey(
        Complaint, models.CASCADE, related_name="steps", verbose_name=_("投诉")
    )
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)
    owner_role = models.CharField(_("责任角色"), max_length=32)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    owner_name = models.CharField(_("责任单位"), max_length=100, blank=True, default="")
    started_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    action = models.CharField(_("处理动作"), max_length=32, blank=True, default="")
    note = models.TextField(_("说明"), blank=True, default="")
    alert_level = models.PositiveSmallIntegerField(_("已触发超时级别"), default=0)
    next_check_at = models.DateTimeField(
        _("下次检查时间"),
        null=True,
        blank=True,
        help_text=_("下一个超时提醒/升级时点；环节完成后为空。"),
    )

    class Meta:
        verbose_name = _("投诉环节")
        verbose_name_plural = verbose_name
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(done_at__isnull=True),
                name="complaintstep_one_open",
            )
        ]
        indexes = [
            # The scan reads only due steps: ``WHERE next_check_at <= now``.
            models.Index(
                fields=["next_check_at"],
                name="complaintstep_due",
                condition=Q(next_check_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.complaint_id} {self.step}"

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at


class EventKind(models.TextChoices):
    CREATED = "created", _("受理")
    STEP = "step", _("环节流转")
    WRONG_DISPATCH = "wrong_dispatch", _("派单错误退回")
    SUPERVISE = "supervise", _("督办")
    CALLBACK = "callback", _("回访")
    DETERMINATION = "determination", _("责任认定")
    PENALTY = "penalty", _("处罚单")
    WARNING = "warning", _("超时提醒")
    ESCALATION = "escalation", _("超时升级")
    ROUTED = "routed", _("升级处理")
    CLOSE = "close", _("结案")


class ComplaintEvent(TimelineEvent):
    """One line of the complaint timeline: who did what, when and why.

    ``checkpoint`` names a side effect of the scan (a step's alert level,
    the 3-hour supervision, a penalty report warning); unique per complaint,
    it is the backstop that makes each fire once.
    """

    complaint = models.ForeignKey(
        Complaint, models.CASCADE, related_name="events", verbose_name=_("投诉")
    )
    kind = models.CharField(_("事件"), max_length=16, choices=EventKind.choices)
    from_step = models.CharField(_("原环节"), max_length=16, blank=True, default="")
    to_step = models.CharField(_("新环节"), max_length=16, blank=True, default="")
    reason = models.TextField(_("说明"), blank=True, default="")
    checkpoint = models.CharField(_("检查点"), max_length=64, blank=True, default="")

    class Meta(TimelineEvent.Meta):
        verbose_name = _("投诉事件")
        verbose_name_plural = _("投诉时间线")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "checkpoint"],
                condition=~Q(checkpoint=""),
                name="complaintevent_once",
            )
        ]
        indexes = [
            models.Index(fields=["complaint", "at"], name="complaintevent_at"),
        ]

    def __str__(self):
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class PenaltyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")


class PenaltyTicket(models.Model):
    """处罚单: a human-caused complaint's penalty for a person or a department.

    Published tickets are the 单项奖罚 that payroll reads per month
    (``selectors.penalties_for_month``).
    """

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="penalties", verbose_name=_("投诉")
    )
    technician = models.ForeignKey(
        Technician,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("装维工程师"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
        verbose_name=_("责任人员"),
    )
    department = models.CharField(_("责任部门"), max_length=100, blank=True, default="")
    amount = models.DecimalField(_("处罚金额"), max_digits=10, decimal_places=2)
    reason = models.TextField(_("处罚原因"))
    month = models.CharField(_("计入月份"), max_length=7, help_text=_("YYYY-MM"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=PenaltyStatus.choices,
        default=PenaltyStatus.DRAFT,
    )
    report_due = models.DateTimeField(_("上报时限"))
    reported_at = models.DateTimeField(_("上报/公布时间"), null=True, blank=True)
    reported_late = models.BooleanField(_("逾期上报"), default=False)
    report_warned = models.BooleanField(_("已提醒逾期"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("开单人"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公布人"),
    )
    created_at = models.DateTimeField(_("开单时间"))
    # The scan's reminder flag is bookkeeping, not ticket history.
    history = HistoricalRecords(excluded_fields=["report_warned"])

    class Meta:
        verbose_name = _("处罚单")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="penalty_amount_positive"
            ),
            models.CheckConstraint(
                condition=~(Q(technician__isnull=False) & Q(user__isnull=False)),
                name="penalty_one_person",
            ),
            models.CheckConstraint(
                condition=Q(technician__isnull=False)
                | Q(user__isnull=False)
                | ~Q(department=""),
                name="penalty_has_target",
            ),
        ]
        indexes = [
            models.Index(fields=["month", "status"], name="penalty_month_status"),
            # The scan's late-report selection: unpublished, not yet warned.
            models.Index(
                fields=["report_due"],
                name="penalty_report_due",
                condition=Q(status="draft", report_warned=False),
            ),
        ]

    def __str__(self):
        return f"{self.complaint_id} {self.amount}"

    @property
    def target(self) -> str:
        if self.technician_id:
            return self.technician.code
        if self.user_id:
            return self.user.get_username()
        return self.department


class CallbackChannel(models.TextChoices):
    PHONE = "phone", _("电话回访")
    PAGE = "page", _("客户页面评价")


class Callback(models.Model):
    """回访 of a completed order: four scores and satisfied or not. One per order."""

    work_order = models.OneToOneField(
        WorkOrder, models.PROTECT, related_name="callback", verbose_name=_("工单")
    )
    contact = models.PositiveSmallIntegerField(
        _("联系及时性"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    punctuality = models.PositiveSmallIntegerField(
        _("履约及时性"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    skill = models.PositiveSmallIntegerField(
        _("上门技术水平"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude = models.PositiveSmallIntegerField(
        _("上门服务态度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfied = models.BooleanField(_("满意"))
    note = models.TextField(_("回访记录"), blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回访人"),
    )
    at = models.DateTimeField(_("回访时间"), db_index=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("不满意升级后级别"), null=True, blank=True
    )
    #: the on-site evaluation the customer gives on their page counts as the
    #: order's callback (SPEC §14); the reports tell it from a phone callback
    channel = models.CharField(
        _("评价渠道"),
        max_length=8,
        choices=CallbackChannel.choices,
        default=CallbackChannel.PHONE,
    )

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__gte=1, contact__lte=5)
                & Q(punctuality__gte=1, punctuality__lte=5)
                & Q(skill__gte=1, skill__lte=5)
                & Q(attitude__gte=1, attitude__lte=5),
                name="callback_scores_1_to_5",
            )
        ]

    def __str__(self):
        verdict = _("满意") if self.satisfied else _("不满意")
        return f"{self.work_order_id} {verdict}"
