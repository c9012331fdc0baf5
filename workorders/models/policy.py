"""The deadline policy, the standard time limits and the business calendar."""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Product

from .. import rules
from .choices import Kind


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
