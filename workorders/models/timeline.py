"""The shared shape of a timeline line (orders, faults, complaints)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimelineEvent(models.Model):
    """When, who (the user, and their name as it was then) and the details.

    Abstract: each timeline adds its subject, its kinds, what changed and
    why. Written through ``workorders.services.timeline_row``/``_record``.
    """

    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True, default="")
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
