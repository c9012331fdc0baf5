"""The order side of network faults: holds and the detection rules."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import AreaType, PackageArea, Product


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
