"""Quality reports: daily rollups, targets, published warnings, stored reports."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import District

from . import rules


class Level(models.IntegerChoices):
    """The grain of a rollup row. Each day is stored at all three grains, so a
    report reads the coarsest one that answers it (a city-wide monthly report
    by district sums ~30 × districts rows, not every technician's)."""

    DISTRICT = 1, _("区局")
    GROUP = 2, _("区域组×外包公司")
    TECHNICIAN = 3, _("工程师")
    # The same two grains summed over a calendar month (``day`` = the 1st),
    # kept for complete months whose days are all rolled up (``RollupMonth``):
    # a monthly report by technician reads ~5,000 rows instead of ~150,000.
    GROUP_MONTH = 4, _("区域组×外包公司(月)")
    TECHNICIAN_MONTH = 5, _("工程师(月)")


class DailyRollup(models.Model):
    """The counters of one local calendar day for one (district, group,
    technician, vendor), at one ``level``.

    The dimensions are plain integers, not foreign keys: a rollup is history
    and must not stop an organisation change. ``0`` means none (an order
    without technician, a complaint not routed yet); ``vendor_id = -1`` is the
    operator's own staff. At the group level ``technician_id`` is 0; at the
    district level ``group_id``, ``technician_id`` and ``vendor_id`` are 0.

    Written only by ``services.rollup_day`` (delete + insert of the whole day
    in one transaction, so a day is always complete or absent) and
    ``services.rollup_month`` (the month grains, from the day rows).
    """

    level = models.PositiveSmallIntegerField(_("粒度"), choices=Level.choices)
    day = models.DateField(_("日期"))
    district_id = models.IntegerField(_("区局"), default=rules.NONE)
    group_id = models.IntegerField(_("区域组"), default=rules.NONE)
    technician_id = models.IntegerField(_("工程师"), default=rules.NONE)
    vendor_id = models.IntegerField(_("外包公司"), default=rules.NONE)

    # One column per counter of ``rules.COUNTERS`` (kept in step by a test).
    for _name in rules.INT_COUNTERS:
        vars()[_name] = models.IntegerField(default=0)
    for _name in rules.DECIMAL_COUNTERS:
        vars()[_name] = models.DecimalField(
            max_digits=14, decimal_places=2, default=Decimal("0.00")
        )
    del _name

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = verbose_name
        constraints = [
            # Also the index of every report query: (level, day range, ...).
            models.UniqueConstraint(
                fields=[
                    "level",
                    "day",
                    "district_id",
                    "group_id",
                    "technician_id",
                    "vendor_id",
                ],
                name="rollup_unique_dims",
            )
        ]

    def __str__(self):
        return f"{self.day} L{self.level} {self.district_id}/{self.group_id}/{self.technician_id}"


class RollupDay(models.Model):
    """A day whose rollup rows are complete (written with them, in one transaction)."""

    day = models.DateField(_("日期"), unique=True)
    computed_at = models.DateTimeField(_("汇总时间"))
    rows = models.PositiveIntegerField(_("行数"), default=0)
    seconds = models.FloatField(_("耗时(秒)"), default=0)

    class Meta:
        verbose_name = _("已汇总日期")
        verbose_name_plural = verbose_name
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}"


class RollupMonth(models.Model):
    """A complete month whose month-grain rows are current: written with them,
    and deleted whenever one of its days is rolled up again."""

    month = models.DateField(_("月份(1日)"), unique=True)
    computed_at = models.DateTimeField(_("汇总时间"))
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        verbose_name = _("已汇总月份")
        verbose_name_plural = verbose_name
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class ReportPolicy(models.Model):
    """Settings of the quality reports. One row; edited in the admin."""

    callback_good_score = models.PositiveSmallIntegerField(
        _("回访分项满意分"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_(
            "分项打分达到此分(1-5)计为满意。修改后须重新汇总历史(reports_backfill)。"
        ),
    )
    recompute_days = models.PositiveSmallIntegerField(
        _("每晚重算天数"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(62)],
        help_text=_(
            "每晚汇总时重算最近多少天（撤单、补偿免责撤销、投诉派发等迟到的变化随之更新）。"
        ),
    )
    live_gap_days = models.PositiveSmallIntegerField(
        _("未汇总日期实时计算上限(天)"),
        default=7,
        validators=[MaxValueValidator(31)],
        help_text=_(
            "报表期内尚未汇总的日期（如凌晨汇总前的昨天）最多实时计算多少天；超过的列为缺失。"
        ),
    )
    rank_min_sample = models.PositiveIntegerField(
        _("排名最少样本数"),
        default=10,
        help_text=_("比率的分母少于此数的区域组/工程师/外包公司不参加排名。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("质量分析设置")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)


METRIC_CHOICES = [
    (m.key, format_lazy("{} ({})", m.label, m.key)) for m in rules.METRICS
]


class Direction(models.TextChoices):
    MINIMUM = rules.MINIMUM, _("不低于(越高越好)")
    MAXIMUM = rules.MAXIMUM, _("不高于(越低越好)")


class MetricTarget(models.Model):
    """A target for one metric; missing it publishes a warning (发布预警)."""

    metric = models.CharField(
        _("指标"), max_length=64, choices=METRIC_CHOICES, unique=True
    )
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    value = models.DecimalField(
        _("目标值"),
        max_digits=14,
        decimal_places=4,
        help_text=_("比率填小数，如 0.9699 表示 96.99%；数量/金额填数值。"),
    )
    min_sample = models.PositiveIntegerField(
        _("最少样本数"),
        default=20,
        help_text=_("比率的分母少于此数时不预警（样本太少不说明问题）。"),
    )
    on_day = models.BooleanField(_("日报预警"), default=True)
    on_week = models.BooleanField(_("周报预警"), default=True)
    on_month = models.BooleanField(_("月报预警"), default=True)
    per_district = models.BooleanField(
        _("分区局预警"), default=True, help_text=_("除全市外，各区局分别对照目标。")
    )
    active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("来源"), max_length=200, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标目标")
        verbose_name_plural = verbose_name
        ordering = ["metric"]

    def __str__(self):
        return f"{self.metric} {self.direction} {self.value}"

    def applies_to(self, period_kind: str) -> bool:
        return self.active and {
            rules.DAY: self.on_day,
            rules.WEEK: self.on_week,
            rules.MONTH: self.on_month,
        }.get(period_kind, False)


class PeriodKind(models.TextChoices):
    DAY = rules.DAY, _("日")
    WEEK = rules.WEEK, _("周")
    MONTH = rules.MONTH, _("月")


class QualityWarning(models.Model):
    """A published warning: a metric missed its target in one period and scope.

    Published once per (period, start, metric, district); the unique
    constraints are the backstop when the generation runs twice.
    """

    period = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    metric = models.CharField(_("指标"), max_length=64, choices=METRIC_CHOICES)
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区局"),
        help_text=_("空表示全市"),
    )
    value = models.DecimalField(_("实际值"), max_digits=14, decimal_places=4)
    target = models.DecimalField(_("目标值"), max_digits=14, decimal_places=4)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    sample = models.PositiveIntegerField(_("样本数"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    recipients = models.JSONField(_("通知对象"), default=list, blank=True)

    class Meta:
        verbose_name = _("质量预警")
        verbose_name_plural = verbose_name
        ordering = ["-start", "metric", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "metric", "district"],
                name="warning_once_per_district",
            ),
            models.UniqueConstraint(
                fields=["period", "start", "metric"],
                condition=Q(district__isnull=True),
                name="warning_once_citywide",
            ),
        ]
        indexes = [models.Index(fields=["published_at"], name="warning_published")]

    def __str__(self):
        return f"{self.period} {self.start} {self.metric} {self.district_id or '全市'}"

    @property
    def metric_def(self) -> rules.Metric:
        return rules.METRICS_BY_KEY[self.metric]

    @property
    def value_text(self) -> str:
        return rules.formatted(self.metric_def, self.value)

    @property
    def target_text(self) -> str:
        return rules.formatted(self.metric_def, self.target)


class StoredReport(models.Model):
    """A scheduled report (daily/weekly/monthly), kept for download.

    ``summary`` is the JSON of the report by district (the API's shape) for
    the page; ``xlsx`` the full spreadsheet (all four groupings).
    """

    period = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区局"),
        help_text=_("空表示全市"),
    )
    generated_at = models.DateTimeField(_("生成时间"))
    summary = models.JSONField(_("摘要"), default=dict)
    xlsx = models.BinaryField(_("Excel文件"))
    size = models.PositiveIntegerField(_("文件大小(字节)"), default=0)

    class Meta:
        verbose_name = _("定时报表")
        verbose_name_plural = verbose_name
        ordering = ["-start", "period", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "district"],
                name="stored_report_once_per_district",
            ),
            models.UniqueConstraint(
                fields=["period", "start"],
                condition=Q(district__isnull=True),
                name="stored_report_once_citywide",
            ),
        ]

    def __str__(self):
        return f"{self.get_period_display()} {self.start} {self.district_id or '全市'}"

    @property
    def label(self) -> str:
        return rules.Period(self.period, self.start, self.end).label

    @property
    def filename(self) -> str:
        scope = self.district.code if self.district_id else "city"
        return f"quality-{self.period}-{self.start:%Y%m%d}-{scope}.xlsx"
