"""A fault's own moves: declared by hand, confirmed, dismissed, a new ETA,
closed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import InvalidInput
from dispatch_center.history import CREATED, history_record
from org.models import PackageArea
from workorders import fault_holds, fault_sms

from .. import rules
from ..models import FaultOrigin, FaultStatus, NetworkFault
from .common import (
    _alert_staff,
    _districts_of,
    _locked,
    _move,
    _new_number,
    _set_holds,
    fault_event,
)

# --- declaration, confirmation, dismissal, ETA -------------------------------------------


def fault_declare(
    *,
    package_areas: list[str],
    product: str = "",
    cause: str,
    started_at: datetime | None = None,
    eta: datetime | None = None,
    owner=None,
    by,
    now: datetime | None = None,
) -> NetworkFault:
    """A confirmed fault declared by hand (dispatcher, technical support)."""
    now = now or timezone.now()
    started_at = started_at or now
    if not package_areas:
        raise InvalidInput("package_areas", gettext("请至少选择一个小包区。"))
    found = dict(
        PackageArea.objects.filter(code__in=package_areas).values_list("code", "pk")
    )
    unknown = sorted(set(package_areas) - set(found))
    if unknown:
        raise InvalidInput(
            "package_areas",
            gettext("未知的小包区：%(codes)s。") % {"codes": ", ".join(unknown)},
        )
    if started_at > now:
        raise InvalidInput("started_at", gettext("故障开始时间不能晚于当前时间。"))
    if eta is not None and eta <= started_at:
        raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
    with transaction.atomic():
        fault = NetworkFault.objects.create(
            number=_new_number(now),
            status=FaultStatus.CONFIRMED,
            origin=FaultOrigin.DECLARED,
            product=product or "",
            cause=cause,
            started_at=started_at,
            eta=eta,
            confirmed_at=now,
            owner=owner or by,
            district_ids=_districts_of(list(found.values())),
            created_at=now,
        )
        fault.package_areas.set(found.values())
        history_record(fault, by=by, at=now, reason="人工申报", kind=CREATED)
        fault_event(
            fault,
            kind="declared",
            by=by,
            now=now,
            to_status=FaultStatus.CONFIRMED,
            reason=cause,
            data={"package_areas": sorted(found)},
        )
        _set_holds(fault)
        _alert_staff(
            fault,
            topic="fault_confirmed",
            body=f"网络故障{fault.number}已确认：{cause}",
            now=now,
        )
    return fault


def fault_confirm(
    fault: NetworkFault,
    *,
    by,
    eta: datetime | None = None,
    cause: str = "",
    now: datetime | None = None,
) -> NetworkFault:
    """Suspected → confirmed: hold the scope for intake, SMS the linked customers."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        fields = {"confirmed_at": now, "owner": fault.owner or by}
        if eta is not None:
            if eta <= fault.started_at:
                raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
            fields["eta"] = eta
        if cause:
            fields["cause"] = cause
        _move(
            fault,
            FaultStatus.CONFIRMED,
            by=by,
            now=now,
            reason="确认故障",
            fields=fields,
        )
        _set_holds(fault)
        fault_sms.link_sms(
            list(fault_holds.linked_open_orders(fault.pk)),
            fault_number=fault.number,
            eta=fault.eta,
            now=now,
        )
    return fault


def fault_dismiss(
    fault: NetworkFault, *, reason: str, by, now: datetime | None = None
) -> NetworkFault:
    """Suspected → dismissed: its held repairs go back to normal dispatch."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise InvalidInput("reason", gettext("请填写排除原因。"))
    with transaction.atomic():
        fault = _locked(fault)
        _move(
            fault,
            FaultStatus.DISMISSED,
            by=by,
            now=now,
            reason=reason,
            fields={"dismissed_at": now, "dismiss_reason": reason[:255]},
        )
        fault_holds.fault_holds_clear(fault_id=fault.pk)
        released = fault_holds.orders_release(
            fault.pk, by=by, now=now, reason=f"疑似故障{fault.number}已排除：{reason}"
        )
        fault_event(
            fault,
            kind="released",
            by=by,
            now=now,
            reason=f"{len(released)}张工单恢复正常派单",
            data={"orders": [o.pk for o in released]},
        )
    return fault


def fault_eta_set(
    fault: NetworkFault, *, eta: datetime, by, now: datetime | None = None
) -> NetworkFault:
    """A new ETA, announced once to every linked customer of a confirmed fault."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        rules.refuse_unless(fault.status, rules.OPEN, fault.number)
        if eta <= fault.started_at:
            raise InvalidInput("eta", gettext("预计恢复时间须晚于故障开始时间。"))
        if eta == fault.eta:
            return fault
        previous = fault.eta
        NetworkFault.objects.filter(pk=fault.pk).update(eta=eta)
        fault.eta = eta
        history_record(fault, by=by, at=now, reason="调整预计恢复时间")
        fault_event(
            fault,
            kind="eta",
            by=by,
            now=now,
            reason="调整预计恢复时间",
            data={
                "eta": eta.isoformat(),
                "previous": previous.isoformat() if previous else None,
            },
        )
        _set_holds(fault)
        if fault.status == FaultStatus.CONFIRMED:
            fault_sms.eta_sms(
                list(fault_holds.linked_open_orders(fault.pk)),
                fault_id=fault.pk,
                fault_number=fault.number,
                eta=eta,
                now=now,
            )
    return fault


def fault_close(
    fault: NetworkFault, *, by, now: datetime | None = None
) -> NetworkFault:
    """Restored → closed (the loop is closed), idempotently: closing a closed
    fault returns it as it is; any other status is ``InvalidTransition``."""
    now = now or timezone.now()
    with transaction.atomic():
        fault = _locked(fault)
        if fault.status == FaultStatus.CLOSED:
            return fault
        return _move(
            fault,
            FaultStatus.CLOSED,
            by=by,
            now=now,
            reason="关闭",
            fields={"closed_at": now},
        )
