"""Report counters and metrics of appointment slots and the customer page
(SPEC §14, seed 003): 预约履约率 against 95 %, evaluations on the page vs by
phone.

Pure like ``reports.rules``, which appends these (a one-line hook at the end
of ``rules.counters.INT_COUNTERS`` and ``rules.metrics.METRICS``): the raw counters are defined in
``reports.raw``, the 95 % target is a ``MetricTarget`` row (migration
``0006_appointments_and_evaluation_channels``, editable in the admin).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: Integer counters, summed like every other (daily rollup columns).
INT_COUNTERS = (
    # appointments of every kind (预约服务), completion date
    "appointments_due",
    "appointments_kept",
    # callbacks by channel: the customer's page or the agents' phone call
    "callbacks_page",
    "callbacks_phone",
)


def metrics() -> tuple:
    """The metrics, built while ``reports.rules`` builds ``METRICS``.

    Imported late: ``rules.Metric`` and its kind markers (compared by
    identity in ``rules.metrics_of``) exist by the time ``rules`` calls this.
    """
    from .rules.metrics import _DONE, COUNT, RATE, Metric

    callbacks_basis = _("回访日期")
    return (
        Metric(
            "appointment_kept_rate",
            _("预约履约率"),
            RATE,
            "appointments_kept",
            "appointments_due",
            basis=_DONE,
            definition=_(
                "分母：本期竣工、有预约时间的全部工单（新装、移机、修障）；分子：其中"
                "在预约结束时间前上门（无上门记录的按竣工时间）的。已批准的改约以最后"
                "一次预约为准。目标见指标目标（种子003：不低于95%）。"
            ),
        ),
        Metric(
            "page_evaluations",
            _("客户页面评价数"),
            COUNT,
            "callbacks_page",
            better=None,
            basis=callbacks_basis,
            definition=_("本期客户在自助页面填写的服务评价数（计为该工单的回访）。"),
        ),
        Metric(
            "phone_callbacks",
            _("电话回访数"),
            COUNT,
            "callbacks_phone",
            better=None,
            basis=callbacks_basis,
            definition=_("本期由坐席电话完成的回访数。"),
        ),
        Metric(
            "page_evaluation_share",
            _("页面评价占比"),
            RATE,
            "callbacks_page",
            "callbacks",
            better=None,
            basis=callbacks_basis,
            definition=_(
                "分母：本期完成的回访（含页面评价）；分子：其中客户在自助页面填写的。"
            ),
        ),
    )
