"""The choices of customers, orders and the timeline."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import rules


class CustomerLevel(models.TextChoices):
    DIAMOND = "diamond", _("钻石")
    GOLD = "gold", _("金")
    SILVER = "silver", _("银")
    ORDINARY = "ordinary", _("普通")


class Segment(models.TextChoices):
    PUBLIC = "public", _("公众")
    GOVERNMENT_ENTERPRISE = "government_enterprise", _("政企")
    CAMPUS = "campus", _("校园")


class Kind(models.TextChoices):
    INSTALL = "install", _("新装")
    MOVE = "move", _("移机")
    REPAIR = "repair", _("修障")


class Source(models.TextChoices):
    CRM = "crm", _("CRM")
    HOTLINE = "hotline", _("10000号")
    SELF_SERVICE = "self_service", _("自助")


class Status(models.TextChoices):
    PENDING = rules.PENDING, _("待派")
    DISPATCHED = rules.DISPATCHED, _("已派")
    ACCEPTED = rules.ACCEPTED, _("已接单")
    APPOINTED = rules.APPOINTED, _("已预约")
    ON_SITE = rules.ON_SITE, _("处理中")
    SUSPENDED = rules.SUSPENDED, _("挂起")
    COMPLETED = rules.COMPLETED, _("已竣工")
    CLOSED = rules.CLOSED, _("已归档")
    CANCELLED = rules.CANCELLED, _("已撤单")


class Resolution(models.TextChoices):
    ONSITE = "onsite", _("上门处理")
    REMOTE = "remote", _("远程处理")
    NETWORK_FAULT = "network_fault", _("网络故障已恢复")


class DelayCause(models.TextChoices):
    INSTALLER = "installer", _("装维原因")
    CUSTOMER = "customer", _("客户原因")
    THIRD_PARTY = "third_party", _("第三方原因")
    FORCE_MAJEURE = "force_majeure", _("不可抗力")
    NETWORK_RESOURCE = "network_resource", _("网络资源")
    ACCEPTANCE_ERROR = "acceptance_error", _("受理失误")
    OTHER = "other", _("其他")


class DispatchFlag(models.TextChoices):
    NO_CANDIDATE = "no_candidate", _("无人可派")
    REDISPATCH_REQUESTED = "redispatch_requested", _("申请改派")


class EventKind(models.TextChoices):
    CREATED = "created", _("受理")
    STATUS = "status", _("状态变更")
    DISPATCH = "dispatch", _("派单")
    NOTE = "note", _("备注")
    NOTIFY = "notify", _("通知")
    REDISPATCH = "redispatch", _("申请改派")
    NO_CANDIDATE = "no_candidate", _("无人可派")
    WARNING = "warning", _("超时预警")
    FIRST_RESPONSE = "first_response", _("首次响应超时")
    URGE = "urge", _("催单")
    ESCALATION = "escalation", _("升级")
    APPROVAL = "approval", _("审批")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("解除挂起")
    RESCHEDULE = "reschedule", _("改约")
    COMPENSATION = "compensation", _("慢必赔")
    COMPLAINT = "complaint", _("投诉")
    CALLBACK = "callback", _("回访")
    NETWORK_FAULT = "network_fault", _("网络故障")
