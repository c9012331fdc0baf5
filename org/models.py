"""The organisation: 区局 → 片区 → 区域组 → 小包区, vendors and technicians."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Product(models.TextChoices):
    FTTH_BROADBAND = "ftth_broadband", _("FTTH宽带")
    ITV_HD = "itv_hd", _("iTV高清")
    FIXED_PHONE = "fixed_phone", _("固话")
    FTTB_BROADBAND = "fttb_broadband", _("FTTB宽带")
    OTHER = "other", _("其他")


class AreaType(models.TextChoices):
    URBAN_CORE = "urban_core", _("中心区域")
    COUNTY_TOWN = "county_town", _("县城")
    RURAL = "rural", _("农村")


class District(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区局/县分公司")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class Area(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    district = models.ForeignKey(
        District, models.PROTECT, related_name="areas", verbose_name=_("区局")
    )
    area_type = models.CharField(
        _("区域类型"),
        max_length=16,
        choices=AreaType.choices,
        default=AreaType.URBAN_CORE,
    )
    same_day_enabled = models.BooleanField(
        _("开通当日装/当日修"),
        default=True,
        help_text=_("中心区域和县城强制开通；农村区域按此开关。"),
    )
    auto_dispatch_enabled = models.BooleanField(
        _("自动派单"), default=True, help_text=_("关闭后本片区工单只由调度员手工派单。")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("片区")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class RegionGroup(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(
        Area, models.PROTECT, related_name="groups", verbose_name=_("片区")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_groups",
        verbose_name=_("班组长"),
        help_text=_("超时升级1级时与区局调度员一起收到通知。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区域组")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class PackageArea(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    group = models.ForeignKey(
        RegionGroup,
        models.PROTECT,
        related_name="package_areas",
        verbose_name=_("区域组"),
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("小包区")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class Vendor(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("代维/外包公司")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class TechnicianRole(models.TextChoices):
    TECHNICIAN = "technician", _("装维工程师")
    SUPPORT = "support", _("支撑团队")
    EMERGENCY = "emergency", _("应急人员")


class TechnicianStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("在岗")
    RESTING = "resting", _("轮休")
    LEAVE = "leave", _("请假")


class Technician(models.Model):
    code = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="technician",
        verbose_name=_("登录用户"),
    )
    group = models.ForeignKey(
        RegionGroup,
        models.PROTECT,
        related_name="technicians",
        verbose_name=_("区域组"),
    )
    home_package_area = models.ForeignKey(
        PackageArea,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owners",
        verbose_name=_("包区"),
    )
    vendor = models.ForeignKey(
        Vendor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="technicians",
        verbose_name=_("外包公司"),
    )
    cert_level = models.PositiveSmallIntegerField(
        _("认证等级"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("五级最低"),
    )
    skills = models.JSONField(_("技能(产品)"), default=list, blank=True)
    role = models.CharField(
        _("岗位"),
        max_length=16,
        choices=TechnicianRole.choices,
        default=TechnicianRole.TECHNICIAN,
    )
    max_open_orders = models.PositiveSmallIntegerField(_("在途工单上限"), default=8)
    after_hours = models.BooleanField(_("接受18点后派单"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=TechnicianStatus.choices,
        default=TechnicianStatus.ON_DUTY,
    )
    last_lat = models.FloatField(_("最近位置纬度"), null=True, blank=True)
    last_lng = models.FloatField(_("最近位置经度"), null=True, blank=True)
    last_position_at = models.DateTimeField(_("位置上报时间"), null=True, blank=True)
    # Position reports are frequent telemetry, not organisation changes.
    history = HistoricalRecords(
        excluded_fields=["last_lat", "last_lng", "last_position_at"]
    )

    class Meta:
        verbose_name = _("装维工程师")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


class StaffProfile(models.Model):
    """Per-user scope: a user tied to a district sees only that district."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("用户"),
    )
    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所属区局"),
        help_text=_("留空表示全市。"),
    )
    department = models.CharField(
        _("所属责任部门"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("责任部门处理人只看到派给本部门的投诉；名称须与派单时填写的一致。"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("员工范围")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self.user)
