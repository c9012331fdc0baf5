"""Technician positions and the rest rota."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import InvalidInput
from org.models import RegionGroup, Technician

from .. import rules, selectors
from ..models import RotaEntry, RotaKind


def technician_position_update(
    technician: Technician, *, lat: float, lng: float, now: datetime | None = None
) -> Technician:
    now = now or timezone.now()
    Technician.objects.filter(pk=technician.pk).update(
        last_lat=lat, last_lng=lng, last_position_at=now
    )
    technician.last_lat, technician.last_lng, technician.last_position_at = (
        lat,
        lng,
        now,
    )
    return technician


def rota_generate_week(
    group: RegionGroup, week_start: date, *, by, now: datetime | None = None
) -> list[str]:
    """(Re)generate a group's rest days for the week; leave and off days stay.

    Any group shape gets a rota: empty, larger than seven, someone on leave
    all week (no rest day for them). Rest avoids days on which a technician
    holds open orders where the spread allows. Returns the violations left
    (no rest day, a crowded day, a rest day with open orders), for the desk.
    """
    now = now or timezone.now()
    if week_start.weekday() != 0:
        raise InvalidInput("week_start", gettext("请选择周一作为一周的开始。"))
    technicians = list(group.technicians.order_by("code"))
    days = rules.week_days(week_start)
    with transaction.atomic():
        RotaEntry.objects.filter(
            technician__in=technicians,
            date__range=(days[0], days[-1]),
            kind=RotaKind.REST,
        ).delete()
        unavailable: dict[str, set[date]] = defaultdict(set)
        for code, day in RotaEntry.objects.filter(
            technician__in=technicians, date__range=(days[0], days[-1])
        ).values_list("technician__code", "date"):
            unavailable[code].add(day)
        plan = rules.rota_generate(
            [t.code for t in technicians],
            week_start,
            unavailable,
            offset=week_start.isocalendar().week,
            busy=selectors.busy_days(
                technicians, week_start, today=selectors.local_today(now)
            ),
        )
        by_code = {t.code: t for t in technicians}
        RotaEntry.objects.bulk_create(
            [
                RotaEntry(
                    technician=by_code[code],
                    date=day,
                    kind=RotaKind.REST,
                    note="系统排班",
                    created_by=by,
                )
                for code, day in plan.items()
            ]
        )
    return rota_violations(group, week_start, now=now)


def rota_violations(
    group: RegionGroup, week_start: date, *, now: datetime | None = None
) -> list[str]:
    technicians = list(group.technicians.order_by("code"))
    entries = selectors.rota_week(technicians, week_start)
    busy = selectors.busy_days(
        technicians, week_start, today=selectors.local_today(now or timezone.now())
    )
    return rules.rota_violations(
        [t.code for t in technicians], week_start, entries, busy
    )


def rota_set(
    technician: Technician, day: date, *, kind: str | None, note: str = "", by
) -> RotaEntry | None:
    """Set (or with ``kind=None`` clear) one technician's day."""
    with transaction.atomic():
        if kind is None:
            RotaEntry.objects.filter(technician=technician, date=day).delete()
            return None
        if kind not in RotaKind.values:
            raise InvalidInput(
                "kind",
                gettext("轮休类型须为以下之一：%(kinds)s。")
                % {
                    "kinds": gettext("、").join(str(label) for label in RotaKind.labels)
                },
            )
        entry, _ = RotaEntry.objects.update_or_create(
            technician=technician,
            date=day,
            defaults={"kind": kind, "note": note, "created_by": by},
        )
        return entry
