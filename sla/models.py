"""SLA control (过程管控): side-effect records, approvals, escalation contacts.

The order's own SLA bookkeeping (internal deadline, next check time, flags,
escalation level) lives on ``workorders.WorkOrder``, so that every writer of
an order keeps it current in the same transaction. This app holds what the
SLA control adds around it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Area
from workorders.models import DelayCause, WorkOrder


class SlaEventKind(models.TextChoices):
    WARNING = "warning", _("超时预警")
    FIRST_RESPONSE = "first_response", _("首次响应超时")
    ESCALATION = "escalation", _("升级")
    URGE = "urge", _("催单")


class SlaEvent(models.Model):
    """One side effect of the SLA control, recorded at most once.

    The unique (order, kind, checkpoint) is the backstop of idempotency: a
    duplicate beat, a redelivered task or two overlapping scans can never
    send a warning twice or fire an escalation level twice. The checkpoint
    code comes from ``workorders.rules.sla_checkpoints`` (a warning point of
    one internal deadline, the first response of one dispatch, one
    escalation level), or names the urge or the escalation request.
    These rows also feed the reports (warnings, first-response rate, urges,
    escalations).
    """

    order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="sla_events", verbose_name=_("工单")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=SlaEventKind.choices)
    checkpoint = models.CharField(_("检查点"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), default=0)
    cause = models.CharField(_("原因"), max_length=32, blank=True, default="")
    due_at = models.DateTimeField(_("应触发时间"), null=True, blank=True)
    at = models.DateTimeField(_("触发时间"))
    recipients = models.JSONField(_("通知对象"), default=list, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("过程管控记录")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "checkpoint"], name="slaevent_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "at"], name="slaevent_kind_at")]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.checkpoint}"


class ApprovalKind(models.TextChoices):
    SUSPEND = "suspend", _("挂起")
    RESCHEDULE = "reschedule", _("改约")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Approval(models.Model):
    """A suspend (挂起审核) or reschedule (改约审核) request and its decision."""

    order = models.ForeignKey(
        WorkOrder, models.PROTECT, related_name="approvals", verbose_name=_("工单")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ApprovalKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
    )
    reason = models.CharField(_("原因"), max_length=32, choices=DelayCause.choices)
    evidence = models.CharField(
        _("佐证"), max_length=255, blank=True, default="", help_text=_("如录音编号")
    )
    note = models.TextField(_("说明"), blank=True, default="")
    appointment_start = models.DateTimeField(_("新预约开始"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("新预约结束"), null=True, blank=True)
    customer_confirmed = models.BooleanField(_("客户已确认"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("挂起/改约审核")
        verbose_name_plural = verbose_name
        ordering = ["requested_at", "id"]
        constraints = [
            # One open request per order: a suspend and a reschedule that
            # both got approved would contradict each other.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="approval_one_pending_per_order",
            )
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="approval_queue")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.order_id} {self.get_status_display()}"

    @property
    def requester_name(self) -> str:
        """Who asked: a user's name, or the customer on their own page (SPEC
        §14: a rebooking from the page has no requesting user)."""
        user = self.requested_by
        if user is None:
            return str(_("客户（自助页面）"))
        return user.get_full_name() or user.username


class EscalationContact(models.Model):
    """Who is told at each escalation level (班组长 / 区局经理 / 中心), per area.

    Rows of the order's area win; rows without an area are the city-wide
    default; with neither, the order's dispatchers are told.
    """

    area = models.ForeignKey(
        Area,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_contacts",
        verbose_name=_("片区"),
        help_text=_("留空表示全市默认"),
    )
    level = models.PositiveSmallIntegerField(
        _("升级级别"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="escalation_contacts",
        verbose_name=_("通知用户"),
    )
    title = models.CharField(
        _("职务"),
        max_length=50,
        blank=True,
        default="",
        help_text=_("如 班组长、区局经理、中心"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("升级通知对象")
        verbose_name_plural = verbose_name
        ordering = ["area", "level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "level", "user"], name="escalation_contact_unique"
            ),
            models.UniqueConstraint(
                fields=["level", "user"],
                condition=Q(area__isnull=True),
                name="escalation_contact_unique_citywide",
            ),
        ]

    def __str__(self):
        return f"{self.area or _('全市')} L{self.level} {self.user}"
