"""Network faults (大面积故障, SPEC §13): the fault, its scope and its timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import PackageArea, Product
from workorders.models import TimelineEvent

from . import rules


class FaultStatus(models.TextChoices):
    SUSPECTED = rules.SUSPECTED, _("疑似")
    CONFIRMED = rules.CONFIRMED, _("已确认")
    RESTORED = rules.RESTORED, _("已恢复")
    CLOSED = rules.CLOSED, _("已关闭")
    DISMISSED = rules.DISMISSED, _("已排除")


class FaultOrigin(models.TextChoices):
    DETECTED = "detected", _("自动发现")
    DECLARED = "declared", _("人工申报")


class NetworkFault(models.Model):
    number = models.CharField(_("故障编号"), max_length=32, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=FaultStatus.choices,
        default=FaultStatus.SUSPECTED,
    )
    origin = models.CharField(
        _("来源"),
        max_length=16,
        choices=FaultOrigin.choices,
        default=FaultOrigin.DETECTED,
    )
    package_areas = models.ManyToManyField(
        PackageArea, related_name="network_faults", verbose_name=_("影响小包区")
    )
    product = models.CharField(
        _("产品"),
        max_length=32,
        choices=Product.choices,
        blank=True,
        default="",
        help_text=_("留空表示所有产品"),
    )
    cause = models.CharField(_("故障原因"), max_length=255, blank=True, default="")
    started_at = models.DateTimeField(_("故障开始时间"))
    eta = models.DateTimeField(_("预计恢复时间"), null=True, blank=True)
    restored_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("排除时间"), null=True, blank=True)
    dismiss_reason = models.CharField(
        _("排除原因"), max_length=255, blank=True, default=""
    )
    force_majeure_evidence = models.CharField(
        _("不可抗力佐证"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("只有记录了佐证的不可抗力才免除慢必赔。"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人(技术支撑/网络)"),
    )
    # Detection's key, "<package area id>:<product>": at most one open fault
    # per cluster (the unique constraint below), so two detection passes, or a
    # pass racing intake on another process, open one fault.
    cluster_key = models.CharField(max_length=64, blank=True, default="")
    district_ids = models.JSONField(
        _("涉及区局"),
        default=list,
        blank=True,
        help_text=_("由影响范围计算，用于按区局限定可见范围"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("网络故障")
        verbose_name_plural = verbose_name
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_key"],
                condition=Q(status__in=[rules.SUSPECTED, rules.CONFIRMED])
                & ~Q(cluster_key=""),
                name="fault_one_open_per_cluster",
            )
        ]
        indexes = [models.Index(fields=["status", "started_at"], name="fault_status")]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN


class FaultEvent(TimelineEvent):
    """One line of the fault's timeline: who did what, when and why."""

    fault = models.ForeignKey(
        NetworkFault, models.CASCADE, related_name="events", verbose_name=_("网络故障")
    )
    kind = models.CharField(_("事件"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=16, blank=True, default="")
    reason = models.TextField(_("说明"), blank=True, default="")

    class Meta(TimelineEvent.Meta):
        verbose_name = _("故障事件")
        verbose_name_plural = _("故障时间线")
        indexes = [models.Index(fields=["fault", "at"], name="faultevent_fault_at")]

    def __str__(self):
        return f"{self.fault_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
