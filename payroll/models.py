"""Piece-rate payroll (计件工资, SPEC §9): rate tables, monthly runs, lines, items.

Rate tables (edited in the admin, defaults from a data migration):

- ``PieceRate``: unit price (单价, yuan per order) and difficulty coefficient
  (难度系数) per order kind and product. Standard work-hours are *not* here:
  they are the 工时池 of ``dispatch.WorkHourStandard``, shared with dispatch.
- ``PayrollPolicy``: the same-day (差异化单价) and after-hours coefficients.
  Working hours (08:00–18:00) are ``dispatch.DispatchPolicy``'s, the same
  ones that decide who may be dispatched after 18:00.
- ``QualityGrade``: A/B/C/D with a coefficient and thresholds on the month's
  callback satisfaction, repeat-fault rate and responsible complaints.
- ``CertLevelPay``: post wage (岗位工资) and monthly base workload (基础工作量,
  standard hours) per certification level; ``TechnicianPay`` overrides
  either for one technician.
- ``Adjustment``: management assessments (管理考核): a reward or a penalty
  for a technician in a month. Complaint penalties come from
  ``complaints.PenaltyTicket``; customer compensation never enters pay.

A ``PayrollRun`` is one computation of one month (a new version each time);
its ``PayrollLine`` rows (one per technician) and ``PayrollItem`` rows (one
per counted order, the drill-down) are written once, when the run is
computed, and never again. Once the run is locked, database triggers refuse
any UPDATE (and on PostgreSQL any DELETE) of the run, its lines and items.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import District, Product, Technician, Vendor
from workorders.models import Kind, WorkOrder

from . import rules

MONTH_HELP = _("YYYY-MM")
RATE = {"max_digits": 5, "decimal_places": 4}


def _coefficient(verbose, default="1.00", help_text=""):
    return models.DecimalField(
        verbose,
        max_digits=4,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
    )


class PieceRate(models.Model):
    """单价 and 难度系数 of one order by kind and product."""

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    product = models.CharField(_("产品"), max_length=32, choices=Product.choices)
    unit_price = models.DecimalField(
        _("单价(元/张)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    difficulty = _coefficient(_("难度系数"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("计件单价")
        verbose_name_plural = verbose_name
        ordering = ["kind", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "product"], name="payroll_piece_rate_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}/{self.get_product_display()}"


class PayrollPolicy(models.Model):
    """The order coefficients (SPEC §9). One row; edited in the admin."""

    same_day_coefficient = _coefficient(
        _("当日装/当日修系数"),
        "1.20",
        _("差异化单价: 当日装、当日修工单的单价系数。"),
    )
    same_day_on_time_only = models.BooleanField(
        _("当日单仅按时完成计系数"),
        default=True,
        help_text=_("勾选时，当日装/修工单须在承诺时限内竣工才计当日系数。"),
    )
    after_hours_coefficient = _coefficient(
        _("延时服务系数"),
        "1.30",
        _("上门或竣工时间在上门服务时段(派单规则)之外的工单。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("计件调节系数")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)


class QualityGrade(models.Model):
    """维护质量等级: the first grade (by rank) whose thresholds all hold applies.

    An empty threshold is not checked; a rate with nothing to measure (no
    callbacks, no repairs) passes. The last grade is the fallback.
    """

    code = models.CharField(_("等级"), max_length=8, unique=True)
    rank = models.PositiveSmallIntegerField(_("顺序"), help_text=_("1 = 最好"))
    coefficient = _coefficient(_("质量系数"))
    min_satisfaction = models.DecimalField(
        _("回访满意率不低于"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0–1，例如 0.95；空 = 不考核"),
        **RATE,
    )
    max_repeat_rate = models.DecimalField(
        _("重复障碍率不高于"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("0–1，例如 0.05；空 = 不考核"),
        **RATE,
    )
    max_complaints = models.PositiveSmallIntegerField(
        _("责任投诉不多于(件)"), null=True, blank=True, help_text=_("空 = 不考核")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("质量等级")
        verbose_name_plural = verbose_name
        ordering = ["rank", "code"]

    def __str__(self):
        return f"{self.code} ×{self.coefficient}"


class CertLevelPay(models.Model):
    """岗位工资 and 基础工作量 by certification level (五级 … 一级)."""

    cert_level = models.PositiveSmallIntegerField(
        _("认证等级"),
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    post_wage = models.DecimalField(_("岗位工资(元)"), max_digits=10, decimal_places=2)
    base_hours = models.DecimalField(
        _("基础工作量(标准工时)"), max_digits=8, decimal_places=2
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("岗位工资与基础工作量")
        verbose_name_plural = verbose_name
        ordering = ["cert_level"]

    def __str__(self):
        return gettext("%(level)s级") % {"level": self.cert_level}


class TechnicianPay(models.Model):
    """One technician's own post wage and/or base workload (overrides the level)."""

    technician = models.OneToOneField(
        Technician,
        models.CASCADE,
        related_name="pay",
        verbose_name=_("装维工程师"),
    )
    post_wage = models.DecimalField(
        _("岗位工资(元)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("空 = 按认证等级"),
    )
    base_hours = models.DecimalField(
        _("基础工作量(标准工时)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("空 = 按认证等级"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("个人岗位工资/基础工作量")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self.technician)


class AdjustmentKind(models.TextChoices):
    REWARD = "reward", _("奖励")
    PENALTY = "penalty", _("扣罚")


class Adjustment(models.Model):
    """管理考核: a single-item reward or penalty (单项奖罚) for a month."""

    technician = models.ForeignKey(
        Technician,
        models.PROTECT,
        related_name="pay_adjustments",
        verbose_name=_("装维工程师"),
    )
    month = models.CharField(_("计入月份"), max_length=7, help_text=MONTH_HELP)
    kind = models.CharField(_("类型"), max_length=8, choices=AdjustmentKind.choices)
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    reason = models.CharField(_("原因"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单项奖罚(管理考核)")
        verbose_name_plural = verbose_name
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payroll_adjustment_positive"
            )
        ]
        indexes = [models.Index(fields=["month"], name="payroll_adjustment_month")]

    def __str__(self):
        return f"{self.month} {self.technician_id} {self.kind} {self.amount}"


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEWED = "reviewed", _("已审核")
    LOCKED = "locked", _("已锁定")


def _money(verbose):
    return models.DecimalField(verbose, max_digits=14, decimal_places=2)


def _hours(verbose, default=None):
    kwargs = {} if default is None else {"default": default}
    return models.DecimalField(verbose, max_digits=10, decimal_places=2, **kwargs)


class PayrollRun(models.Model):
    """One computation of one month's pay. Recomputing makes a new version."""

    month = models.CharField(_("月份"), max_length=7, help_text=MONTH_HELP)
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    created_at = models.DateTimeField(_("计算时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("计算人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("锁定人"),
    )
    technicians = models.PositiveIntegerField(_("人数"), default=0)
    orders = models.PositiveIntegerField(_("计件工单数"), default=0)
    post_wage = _money(_("岗位工资合计"))
    piece_wage = _money(_("计件工资合计"))
    rewards = _money(_("奖励合计"))
    penalties = _money(_("扣罚合计"))
    total = _money(_("应发合计"))
    rates = models.JSONField(
        _("计算所用费率"), default=dict, help_text=_("计算时的单价、系数、工时快照")
    )

    class Meta:
        verbose_name = _("计件工资核算")
        verbose_name_plural = verbose_name
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "version"], name="payroll_run_month_version"
            ),
            # A month is paid once: at most one locked version.
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(status="locked"),
                name="payroll_run_one_locked_per_month",
            ),
        ]

    def __str__(self):
        return f"{self.month} v{self.version}"


class PayrollLine(models.Model):
    """One technician's pay in a run (API.md's line), with what made it."""

    run = models.ForeignKey(
        PayrollRun,
        models.CASCADE,
        related_name="lines",
        verbose_name=_("核算"),
        db_index=False,  # the unique (run, technician) index serves it
    )
    technician = models.ForeignKey(
        Technician, models.PROTECT, related_name="+", verbose_name=_("装维工程师")
    )
    # Snapshots at computation time: a later reorganisation must not move pay.
    vendor = models.ForeignKey(
        Vendor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("外包公司"),
    )
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区局"),
    )
    cert_level = models.PositiveSmallIntegerField(_("认证等级"))
    post_wage = _money(_("岗位工资"))
    base_hours = _hours(_("基础工作量"))
    worked_hours = _hours(_("完成工时"))
    paid_hours = _hours(_("计件工时"))
    orders = models.PositiveIntegerField(_("现场施工工单数"))
    paid_orders = models.PositiveIntegerField(_("计件工单数"))
    piece_wage = _money(_("计件工资"))
    rewards = _money(_("奖励"))
    penalties = _money(_("扣罚"))
    total = _money(_("应发"))
    grade = models.CharField(_("质量等级"), max_length=8)
    grade_coefficient = models.DecimalField(
        _("质量系数"), max_digits=4, decimal_places=2
    )
    callbacks = models.PositiveIntegerField(_("回访数"))
    satisfied = models.PositiveIntegerField(_("满意数"))
    repairs = models.PositiveIntegerField(_("修障数"))
    repeat_faults = models.PositiveIntegerField(_("重复障碍数"))
    complaints = models.PositiveIntegerField(_("责任投诉数"))

    class Meta:
        verbose_name = _("计件工资明细")
        verbose_name_plural = verbose_name
        ordering = ["run", "technician__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "technician"], name="payroll_line_run_technician"
            )
        ]
        indexes = [
            models.Index(fields=["technician", "run"], name="payroll_line_tech_run")
        ]

    def __str__(self):
        return f"{self.run} {self.technician_id} {self.total}"

    @property
    def quality(self) -> rules.QualityStats:
        return rules.QualityStats(
            callbacks=self.callbacks,
            satisfied=self.satisfied,
            repairs=self.repairs,
            repeat_faults=self.repeat_faults,
            complaints=self.complaints,
        )


class PayrollItem(models.Model):
    """One counted order of a line: its hours, the base it filled, its pay."""

    # A run writes hundreds of thousands of items in one go: the composite
    # index below serves every lookup (no single-column ones), and there are
    # no database foreign keys. The ids are copied from rows read in the same
    # transaction, and the deferred checks at commit (one per key and row)
    # would cost a quarter of the whole computation; CASCADE and PROTECT
    # still hold in the ORM, and the lock triggers guard the rows.
    run = models.ForeignKey(
        PayrollRun,
        models.CASCADE,
        related_name="items",
        verbose_name=_("核算"),
        db_index=False,
        db_constraint=False,
    )
    technician = models.ForeignKey(
        Technician,
        models.PROTECT,
        related_name="+",
        verbose_name=_("装维工程师"),
        db_index=False,
        db_constraint=False,
    )
    seq = models.PositiveIntegerField(_("序号"), help_text=_("按竣工时间排序"))
    work_order = models.ForeignKey(
        WorkOrder,
        models.PROTECT,
        related_name="+",
        verbose_name=_("工单"),
        db_index=False,
        db_constraint=False,
    )
    number = models.CharField(_("工单号"), max_length=32)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    product = models.CharField(_("产品"), max_length=32, choices=Product.choices)
    completed_at = models.DateTimeField(_("竣工时间"))
    hours = _hours(_("标准工时"))
    hours_before = _hours(_("此前累计工时"))
    paid_hours = _hours(_("计件工时"))
    unit_price = models.DecimalField(_("单价"), max_digits=8, decimal_places=2)
    difficulty = models.DecimalField(_("难度系数"), max_digits=4, decimal_places=2)
    same_day = models.BooleanField(_("当日装/修"))
    same_day_coefficient = models.DecimalField(
        _("当日系数"), max_digits=4, decimal_places=2
    )
    after_hours = models.BooleanField(_("延时服务"))
    after_hours_coefficient = models.DecimalField(
        _("延时系数"), max_digits=4, decimal_places=2
    )
    grade_coefficient = models.DecimalField(
        _("质量系数"), max_digits=4, decimal_places=2
    )
    amount = models.DecimalField(
        _("计件金额"),
        max_digits=16,
        decimal_places=6,
        help_text=_("未舍入；明细行的计件工资为本行各单之和舍入到分"),
    )

    class Meta:
        verbose_name = _("计件工单")
        verbose_name_plural = verbose_name
        ordering = ["run", "technician", "seq"]
        indexes = [
            models.Index(
                fields=["run", "technician", "seq"], name="payroll_item_line_seq"
            )
        ]

    def __str__(self):
        return f"{self.run_id} {self.number} {self.amount}"
