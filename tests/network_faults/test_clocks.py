"""Clocks of linked repairs (SPEC §13): own deadlines, alerts once per fault and level."""

import datetime as dt

import pytest

from network_faults.services import fault_declare
from notifications.models import Notification
from sla.scan import sla_scan
from tests.conftest import local_time, make_user
from workorders.models import EventKind, WorkOrder

from .helpers import repair

pytestmark = pytest.mark.django_db

T0 = local_time(2026, 11, 16, 9, 0)


def test_escalation_of_linked_repairs_goes_to_the_owner_once_per_level(org):
    owner = make_user("noc-owner", "supervisor")
    make_user("disp-clock", "dispatcher")
    fault_declare(
        package_areas=["P1"],
        product="",
        cause="OLT 故障",
        started_at=T0,
        owner=owner,
        by=owner,
        now=T0,
    )
    linked = [repair(T0 + dt.timedelta(minutes=i)) for i in range(3)]
    free = repair(T0, package_area="P2")
    # every repair keeps its own 当日修 deadline (23:59:59 the same day)
    assert {o.deadline for o in linked} == {local_time(2026, 11, 16, 23, 59, 59)}

    sla_scan(now=local_time(2026, 11, 17, 0, 1))

    to_owner = Notification.objects.filter(
        topic="fault_sla_escalation", recipient_user_id=owner.pk
    )
    assert to_owner.count() == 1
    # each linked order still records its level in its own timeline
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in linked]):
        assert order.escalation_level == 1
        assert order.events.filter(kind=EventKind.ESCALATION).count() == 1
    # an unlinked order escalates as before, to its own contacts
    assert Notification.objects.filter(
        topic="sla_escalation", subject_id=free.pk
    ).exists()
    assert not Notification.objects.filter(
        topic="sla_escalation", subject_id__in=[o.pk for o in linked]
    ).exists()

    # the next level is raised once more, once
    sla_scan(now=local_time(2026, 11, 17, 2, 1))
    assert to_owner.count() == 2


def test_warning_of_linked_repairs_goes_to_the_owner_once_per_fault(org):
    owner = make_user("noc-owner-w", "supervisor")
    fault_declare(
        package_areas=["P1"],
        product="",
        cause="OLT 故障",
        started_at=T0,
        owner=owner,
        by=owner,
        now=T0,
    )
    linked = [repair(T0 + dt.timedelta(minutes=i)) for i in range(3)]
    # 80 % of the time to 23:59:59 is used by 21:30 for all three
    sla_scan(now=local_time(2026, 11, 16, 21, 30))
    sla_scan(now=local_time(2026, 11, 16, 21, 31))

    to_owner = Notification.objects.filter(
        topic="fault_sla_warning", recipient_user_id=owner.pk
    )
    assert to_owner.count() == 1
    assert not Notification.objects.filter(
        topic="sla_warning", subject_id__in=[o.pk for o in linked]
    ).exists()
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in linked]):
        assert order.events.filter(kind=EventKind.WARNING).count() == 1
