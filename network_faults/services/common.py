"""What every network-fault flow shares: the number, the timeline line, the
compare-and-set status move, the row lock, the holds and the staff alerts."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext

from dispatch_center.errors import InvalidTransition
from dispatch_center.history import history_record
from dispatch_center.roles import Role
from notifications.models import Channel
from notifications.services import Message, notifications_enqueue
from org.models import PackageArea, Technician, TechnicianRole
from workorders import fault_holds
from workorders import rules as wo_rules
from workorders.services import timeline_record

from .. import rules
from ..models import FaultEvent, FaultStatus, NetworkFault


def _new_number(at: datetime) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(5))
    return f"F{wo_rules.local(at):%y%m%d}{tail}"


def fault_event(
    fault: NetworkFault,
    *,
    kind: str,
    by,
    now: datetime,
    reason: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
) -> FaultEvent:
    return timeline_record(
        FaultEvent,
        fault=fault,
        kind=kind,
        by=by,
        now=now,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


def _move(
    fault: NetworkFault, to: str, *, by, now: datetime, reason: str, fields=None
) -> NetworkFault:
    """Compare-and-set the status; the loser of a race gets ``InvalidTransition``."""
    src = fault.status
    rules.check_transition(src, to)
    fields = dict(fields or {})
    if not NetworkFault.objects.filter(pk=fault.pk, status=src).update(
        status=to, **fields
    ):
        raise InvalidTransition(
            gettext("网络故障%(n)s已被他人更改，请刷新。") % {"n": fault.number}
        )
    fault.status = to
    for attr, value in fields.items():
        setattr(fault, attr, value)
    history_record(fault, by=by, at=now, reason=reason or to)
    fault_event(
        fault,
        kind="status",
        by=by,
        now=now,
        reason=reason,
        from_status=src,
        to_status=to,
    )
    return fault


def _locked(fault: NetworkFault) -> NetworkFault:
    return NetworkFault.objects.select_for_update().get(pk=fault.pk)


def _area_ids(fault: NetworkFault) -> list[int]:
    return list(fault.package_areas.values_list("pk", flat=True))


def _set_holds(fault: NetworkFault) -> None:
    fault_holds.fault_holds_set(
        fault_id=fault.pk,
        fault_number=fault.number,
        package_area_ids=_area_ids(fault),
        product=fault.product,
        since=fault.started_at,
        confirmed=fault.status == FaultStatus.CONFIRMED,
        eta=fault.eta,
        owner_id=fault.owner_id,
    )


def _districts_of(area_ids: list[int]) -> list[int]:
    return sorted(
        set(
            PackageArea.objects.filter(pk__in=area_ids).values_list(
                "group__area__district_id", flat=True
            )
        )
    )


def _alert_staff(fault: NetworkFault, *, topic: str, body: str, now: datetime) -> None:
    """Alert the dispatchers (of the fault's districts, or city-wide) and the
    technical support staff (支撑团队) of its areas, once per fault and person."""
    users = get_user_model().objects.filter(
        Q(staff_profile__isnull=True)
        | Q(staff_profile__district__isnull=True)
        | Q(staff_profile__district_id__in=fault.district_ids),
        groups__name=Role.DISPATCHER,
        is_active=True,
    )
    support = Technician.objects.filter(
        role=TechnicianRole.SUPPORT,
        group__area_id__in=PackageArea.objects.filter(pk__in=_area_ids(fault)).values(
            "group__area_id"
        ),
        user__isnull=False,
    ).values_list("user_id", "code")
    people = {u.pk: u.username for u in users}
    people.update(dict(support))
    if fault.owner_id:
        people[fault.owner_id] = fault.owner.username
    notifications_enqueue(
        [
            Message(
                channel=Channel.STAFF,
                recipient=name,
                recipient_user_id=user_id,
                topic=topic,
                body=body,
                dedupe_key=f"{topic}:{fault.pk}:{user_id}",
                subject_type="network_fault",
                subject_id=fault.pk,
            )
            for user_id, name in sorted(people.items())
        ],
        now=now,
    )
