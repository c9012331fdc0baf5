"""What each Celery task last did, for ``/healthz/jobs`` and ``/metrics``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One row per task name: its last start, success and failure, and totals.

    Written by the Celery signal handlers (``monitoring.signals``) of every
    worker, so ``/healthz/jobs`` and ``/metrics`` answer for all workers and
    containers from one place. ``overdue_after_seconds`` is set for the beat
    jobs (from their schedule when the row is made; editable in the admin):
    a job without a success for that long is overdue.
    """

    name = models.CharField(_("任务"), max_length=100, unique=True)
    overdue_after_seconds = models.PositiveIntegerField(
        _("超时告警秒数"),
        null=True,
        blank=True,
        help_text=_("这么久没有成功运行即为超时；留空表示不监控（非定时任务）。"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    last_sent_at = models.DateTimeField(_("最近由定时器发出"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("最近失败"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    last_duration_seconds = models.FloatField(
        _("最近耗时（秒）"), null=True, blank=True
    )
    runs = models.BigIntegerField(_("运行次数"), default=0)
    failures = models.BigIntegerField(_("失败次数"), default=0)
    duration_total_seconds = models.FloatField(_("累计耗时（秒）"), default=0.0)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = verbose_name
        ordering = ["name"]

    def __str__(self):
        return self.name
