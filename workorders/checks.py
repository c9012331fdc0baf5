"""``manage.py check``: the working calendar of this and next year is known.

``chinesecalendar`` knows the State Council holidays and make-up working days
(调休) only up to its release. For a later year the calendar falls back to
Monday–Friday unless the centre has entered that year's holidays and make-up
days in the admin (工作日历调整): a year with neither is a warning here and in
the admin, so nobody finds out from a deadline set on 春节.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

CALENDAR_UNKNOWN = "workorders.W001"


def calendar_messages(gaps: list[tuple[int, int]]) -> list[checks.Warning]:
    return [
        checks.Warning(
            f"工作日历：已安装的 chinesecalendar 不含{year}年的国务院放假安排，"
            f"也没有录入{year}年的节假日和调休上班日；{year}年将按周一至周五上班计算。",
            hint=f"在管理后台“工作日历调整”中录入{year}年的节假日和调休上班日，"
            "或升级 chinesecalendar。",
            id=CALENDAR_UNKNOWN,
        )
        for year, entered in gaps
        if entered == 0
    ]


@checks.register("calendar")
def working_calendar_known(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .selectors import calendar_gaps

    try:
        gaps = calendar_gaps(timezone.localdate())
    except DatabaseError:  # not migrated yet (a fresh install runs check first)
        return []
    return calendar_messages(gaps)
