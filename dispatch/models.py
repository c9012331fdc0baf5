"""Rolling dispatch: policy and weights, the work-hour pool, the rest rota."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Product, Technician


class DispatchPolicy(models.Model):
    """Ranking weights and working hours (SPEC §4). One row; edited in the admin."""

    owner_bonus = models.DecimalField(
        _("包区优先加分"), max_digits=8, decimal_places=2, default=Decimal("100")
    )
    distance_penalty_per_km = models.DecimalField(
        _("距离扣分/公里"), max_digits=8, decimal_places=2, default=Decimal("2")
    )
    workload_penalty_per_hour = models.DecimalField(
        _("工作量扣分/工时"), max_digits=8, decimal_places=2, default=Decimal("1")
    )
    unknown_distance_km = models.DecimalField(
        _("位置未知时按距离(公里)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("20"),
    )
    workday_start = models.TimeField(_("上门服务开始"), default=time(8, 0))
    workday_end = models.TimeField(
        _("上门服务结束"),
        default=time(18, 0),
        help_text=_("此后只派给愿意延时服务的工程师（计延时激励）。"),
    )
    position_fresh_minutes = models.PositiveIntegerField(
        _("位置有效期(分钟)"),
        default=120,
        help_text=_("超过此时间的位置不再用于就近派单，改用包区位置。"),
    )
    default_work_hours = models.DecimalField(
        _("默认标准工时"), max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    supervision_channel = models.CharField(
        _("监督反馈渠道"), max_length=100, default="服务监督电话 10000 / 96133"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)


class WorkHourStandard(models.Model):
    """工时池: standard work-hours of one order by kind and product."""

    kind = models.CharField(
        _("类型"),
        max_length=16,
        choices=[("install", _("新装")), ("move", _("移机")), ("repair", _("修障"))],
    )
    product = models.CharField(_("产品"), max_length=32, choices=Product.choices)
    hours = models.DecimalField(_("标准工时"), max_digits=5, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("标准工时(工时池)")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "product"], name="work_hours_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind}/{self.product}: {self.hours}"


class RotaKind(models.TextChoices):
    REST = "rest", _("轮休")
    LEAVE = "leave", _("请假")
    OFF = "off", _("不在岗")


class RotaEntry(models.Model):
    """A day a technician is not available (no entry = on duty)."""

    technician = models.ForeignKey(
        Technician,
        models.CASCADE,
        related_name="rota_entries",
        verbose_name=_("工程师"),
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=RotaKind.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("轮休/请假")
        verbose_name_plural = verbose_name
        ordering = ["date", "technician"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "date"], name="rota_one_entry_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["date", "technician"], name="rota_date_technician")
        ]

    def __str__(self):
        return f"{self.technician_id} {self.date} {self.kind}"


class RedispatchRequest(models.Model):
    """提前升级/申请调度: a technician hands an order back, with the reason."""

    order = models.ForeignKey(
        "workorders.WorkOrder", models.CASCADE, related_name="redispatch_requests"
    )
    technician = models.ForeignKey(Technician, models.CASCADE, related_name="+")
    note = models.CharField(_("原因"), max_length=500)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("改派申请")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["order"], name="redispatch_order")]

    def __str__(self):
        return f"{self.order_id} ← {self.technician_id}: {self.note}"


def default_slot_spans() -> list[list[str]]:
    return [
        ["08:00", "10:00"],
        ["10:00", "12:00"],
        ["14:00", "16:00"],
        ["16:00", "18:00"],
    ]


def default_after_hours_spans() -> list[list[str]]:
    return [["18:00", "20:00"]]


class SlotPolicy(models.Model):
    """预约时段 (SPEC §14): each day's appointment slots. One row; edited in the admin.

    A slot's capacity is the hours of the group's technicians on duty that day
    (rota, leave) who can do the product, divided by the standard work-hours of
    what is booked in it (工时池)."""

    spans = models.JSONField(
        _("预约时段"),
        default=default_slot_spans,
        help_text=_('每天的预约时段，如 [["08:00", "10:00"], ...]。'),
    )
    after_hours_spans = models.JSONField(
        _("延时预约时段"),
        default=default_after_hours_spans,
        help_text=_("只在区域组有接受延时服务的工程师时开放。"),
    )
    kept_target_percent = models.DecimalField(
        _("预约履约率目标(%)"), max_digits=5, decimal_places=2, default=Decimal("95")
    )
    customer_link_days = models.PositiveIntegerField(
        _("客户页面链接有效期(竣工后天数)"), default=30
    )
    customer_page_rate_per_minute = models.PositiveIntegerField(
        _("客户页面每分钟请求上限(每个来源地址)"), default=30
    )
    booking_days = models.PositiveIntegerField(
        _("可预约天数"),
        default=7,
        help_text=_("预约表单和客户页面列出今天之后多少天的时段。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预约时段规则")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)


class SlotLock(models.Model):
    """One row per (region group, slot start), locked FOR UPDATE while an
    appointment made ahead is booked into that slot, so two bookings of the
    last place serialise and the second sees the first."""

    group = models.ForeignKey("org.RegionGroup", models.CASCADE, related_name="+")
    start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "start"], name="slot_lock_unique")
        ]

    def __str__(self):
        return f"{self.group_id} {self.start}"
