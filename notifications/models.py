"""The outbox: every SMS, staff notice and CRM callback is a row first.

Writing the row in the same transaction as the change that caused it means a
message is never lost (the broker may be down) and never sent twice (the
``dedupe_key`` is unique, one per event).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    STAFF = "staff", _("员工通知")
    CRM_CALLBACK = "crm_callback", _("CRM状态回调")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("发送失败")


class Notification(models.Model):
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(
        _("接收方"), max_length=255, help_text=_("手机号、用户名或回调地址")
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收用户"),
    )
    topic = models.CharField(_("类型"), max_length=64)
    body = models.TextField(_("内容"))
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, unique=True)
    subject_type = models.CharField(max_length=32, blank=True, default="")
    subject_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=OutboxStatus.choices,
        default=OutboxStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知发件箱")
        indexes = [
            # The sender's due scan touches only undelivered rows.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_subject"),
            models.Index(
                fields=["recipient_user", "created_at"], name="outbox_user_inbox"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}: {self.topic}"


class MessageTemplate(models.Model):
    """Wording of each message, editable in the admin (``{name}`` placeholders)."""

    topic = models.CharField(_("类型"), max_length=64, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    text = models.TextField(_("模板"))
    description = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = verbose_name
        ordering = ["topic"]

    def __str__(self):
        return self.topic
