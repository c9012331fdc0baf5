"""慢必赔 claims, their policy, and the recharge ledger of the default gateway."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import District, Technician, Vendor
from workorders.models import WorkOrder

from . import rules


class CompensationPolicy(models.Model):
    """Amounts and time limits of 慢必赔 (seed 002 §三). One row; edited in the admin."""

    install_amount = models.DecimalField(
        _("当日装未装补偿(元/户)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("20"),
    )
    repair_per_day = models.DecimalField(
        _("当日修超时补偿(元/户/天)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("10"),
    )
    repair_cap = models.DecimalField(
        _("当日修补偿封顶(元)"), max_digits=8, decimal_places=2, default=Decimal("100")
    )
    day_hours = models.PositiveIntegerField(
        _("一天按多少小时计"), default=24, help_text=_("不足1天按1天计算")
    )
    pay_within_days = models.PositiveIntegerField(
        _("报竣后补偿时限(自然日)"), default=7
    )
    warn_days_before = models.PositiveIntegerField(_("到期前几天预警"), default=2)
    vendor_threshold = models.DecimalField(
        _("外包定责比例线"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        help_text=_("装维原因超时工单占比超过此值的部分由外包公司承担"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("慢必赔政策")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self._meta.verbose_name)

    def amounts(self) -> rules.AmountPolicy:
        return rules.AmountPolicy(
            self.install_amount, self.repair_per_day, self.repair_cap, self.day_hours
        )


class ClaimKind(models.TextChoices):
    SAME_DAY_INSTALL = rules.SAME_DAY_INSTALL, _("当日装")
    SAME_DAY_REPAIR = rules.SAME_DAY_REPAIR, _("当日修")


class ClaimStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待审核")
    APPROVED = "approved", _("已审核")
    PAID = "paid", _("已补偿")
    EXEMPT = "exempt", _("免责")
    REJECTED = "rejected", _("已驳回")


class Exemption(models.TextChoices):
    RURAL = "rural", _("农村区域")
    CUSTOMER = "customer", _("客户原因")
    THIRD_PARTY = "third_party", _("第三方原因")
    FORCE_MAJEURE = "force_majeure", _("不可抗力")


class LiableParty(models.TextChoices):
    BRANCH = "branch", _("分公司")
    VENDOR = "vendor", _("外包公司")
    ACCEPTANCE_STAFF = "acceptance_staff", _("受理人员")


class Claim(models.Model):
    work_order = models.OneToOneField(
        WorkOrder, models.PROTECT, related_name="claim", verbose_name=_("工单")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ClaimKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING_REVIEW,
    )
    deadline = models.DateTimeField(_("承诺时限"))
    completed_at = models.DateTimeField(_("竣工时间"))
    days_late = models.PositiveIntegerField(_("超时天数"))
    amount = models.DecimalField(_("补偿金额"), max_digits=8, decimal_places=2)
    exemption = models.CharField(
        _("免责原因"), max_length=20, choices=Exemption.choices, blank=True, default=""
    )
    evidence = models.CharField(_("免责佐证"), max_length=255, blank=True, default="")
    excused_seconds = models.PositiveIntegerField(
        _("免责挂起时长(秒)"),
        default=0,
        help_text=_("因客户、第三方或不可抗力挂起的时间，已从超时中扣除"),
    )
    exemption_revoked_at = models.DateTimeField(
        _("免责撤销时间"), null=True, blank=True
    )
    delay_cause = models.CharField(_("超时原因"), max_length=32, blank=True, default="")
    liable_party = models.CharField(
        _("责任方"),
        max_length=20,
        choices=LiableParty.choices,
        default=LiableParty.BRANCH,
    )
    vendor = models.ForeignKey(
        Vendor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("外包公司"),
    )
    technician = models.ForeignKey(
        Technician,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("装维工程师"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("受理人"),
    )
    district = models.ForeignKey(
        District, models.PROTECT, related_name="+", verbose_name=_("区局")
    )
    phone = models.CharField(_("客户电话"), max_length=20)
    account = models.CharField(_("客户账号"), max_length=64, blank=True, default="")
    pay_by = models.DateTimeField(_("补偿截止"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(
        _("审核意见"), max_length=255, blank=True, default=""
    )
    payment_key = models.UUIDField(
        _("充值幂等键"), default=uuid.uuid4, unique=True, editable=False
    )
    payment_ref = models.CharField(
        _("充值流水"), max_length=100, blank=True, default=""
    )
    paid_at = models.DateTimeField(_("补偿时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    pay_warning_level = models.PositiveSmallIntegerField(
        _("补偿时限预警"), default=0, help_text=_("1=即将到期，2=已超期")
    )
    created_at = models.DateTimeField(_("生成时间"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("慢必赔补偿")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "pay_by"], name="claim_status_payby"),
            models.Index(fields=["paid_at"], name="claim_paid_at"),
            models.Index(fields=["completed_at"], name="claim_completed_at"),
            # The pay-limit scan looks only at unpaid, non-exempt claims.
            models.Index(
                fields=["pay_by"],
                name="claim_unpaid_due",
                condition=Q(status__in=["pending_review", "approved"]),
            ),
        ]

    def __str__(self):
        return f"{self.work_order_id} {self.amount} {self.status}"


class Recharge(models.Model):
    """The default gateway's ledger of backend recharges (后台充值), one per key."""

    key = models.UUIDField(unique=True)
    claim = models.ForeignKey(Claim, models.PROTECT, related_name="recharges")
    phone = models.CharField(max_length=20)
    account = models.CharField(max_length=64, blank=True, default="")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("后台充值记录")
        verbose_name_plural = verbose_name

    def __str__(self):
        return f"{self.phone} {self.amount}"
