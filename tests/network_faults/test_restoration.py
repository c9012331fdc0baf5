"""Linking, SMS, restoration, reopen and 慢必赔 of linked repairs (SPEC §13)."""

import datetime as dt

import pytest

from compensation.models import Claim
from dispatch.services import auto_dispatch_run
from dispatch_center.errors import InvalidInput, InvalidTransition
from network_faults.models import FaultStatus
from network_faults.services import (
    fault_confirm,
    fault_declare,
    fault_eta_set,
    fault_link,
    fault_restore,
    faults_detect,
    order_reopen,
)
from notifications.models import Notification
from tests.conftest import local_time, make_user
from workorders.models import Resolution, Status, WorkOrder

from .helpers import repair

pytestmark = pytest.mark.django_db

T0 = local_time(2026, 11, 16, 9, 0)


def minutes(n):
    return dt.timedelta(minutes=n)


@pytest.fixture
def dispatcher_by(org):
    return make_user("disp-fault", "dispatcher")


@pytest.fixture
def declared(dispatcher_by):
    return fault_declare(
        package_areas=["P1"],
        product="ftth_broadband",
        cause="PON口板卡故障",
        started_at=T0,
        eta=T0 + dt.timedelta(hours=4),
        by=dispatcher_by,
        now=T0 + minutes(10),
    )


def sms(topic):
    return Notification.objects.filter(topic=topic)


def test_repair_entered_during_a_confirmed_fault_is_linked_held_and_texted(declared):
    order = repair(T0 + minutes(20))
    assert order.network_fault_id == declared.pk and order.fault_hold
    assert sms("fault_link_sms").filter(recipient=order.customer.phone).count() == 1
    assert "11-16 13:00" in sms("fault_link_sms").get().body  # the ETA, local time


def test_repairs_outside_the_scope_are_not_linked(declared):
    other_product = repair(T0 + minutes(20), product="itv_hd")
    other_area = repair(T0 + minutes(20), package_area="P2")
    before_start = repair(T0 - minutes(1), now=T0 + minutes(20))
    assert other_product.network_fault_id is None
    assert other_area.network_fault_id is None
    assert before_start.network_fault_id is None


def test_linked_repairs_are_never_auto_dispatched(declared):
    linked = repair(T0 + minutes(20))
    free = repair(T0 + minutes(20), package_area="P2")
    auto_dispatch_run(now=T0 + minutes(21))
    assert WorkOrder.objects.get(pk=linked.pk).status == Status.PENDING
    assert WorkOrder.objects.get(pk=free.pk).status == Status.DISPATCHED


def test_earlier_open_repairs_can_be_linked_once_each(declared, dispatcher_by):
    earlier = repair(T0 - minutes(30), now=T0 + minutes(20))
    linked = fault_link(
        declared, orders=[earlier], by=dispatcher_by, now=T0 + minutes(21)
    )
    again = fault_link(
        declared, orders=[earlier], by=dispatcher_by, now=T0 + minutes(22)
    )
    assert [o.pk for o in linked] == [earlier.pk] and again == []
    assert sms("fault_link_sms").count() == 1


def test_linking_a_repair_outside_the_scope_is_refused(declared, dispatcher_by):
    outside = repair(T0 + minutes(20), package_area="P2")
    with pytest.raises(InvalidInput) as err:
        fault_link(declared, orders=[outside], by=dispatcher_by, now=T0 + minutes(21))
    assert list(err.value.errors) == ["work_orders"]


def test_changed_eta_is_announced_once(declared, dispatcher_by):
    repair(T0 + minutes(20))
    new_eta = T0 + dt.timedelta(hours=6)
    fault_eta_set(declared, eta=new_eta, by=dispatcher_by, now=T0 + minutes(30))
    fault_eta_set(declared, eta=new_eta, by=dispatcher_by, now=T0 + minutes(31))
    assert sms("fault_eta_sms").count() == 1


def test_two_restorations_complete_each_repair_once_and_text_once(
    declared, dispatcher_by
):
    orders = [repair(T0 + minutes(20 + i)) for i in range(3)]
    restored_at = T0 + dt.timedelta(hours=3)

    fault_restore(
        declared,
        restored_at=restored_at,
        by=dispatcher_by,
        now=restored_at + minutes(5),
    )
    fault_restore(
        declared,
        restored_at=restored_at,
        by=dispatcher_by,
        now=restored_at + minutes(9),
    )

    declared.refresh_from_db()
    assert declared.status == FaultStatus.RESTORED
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.status == Status.COMPLETED
        assert order.completed_at == restored_at
        assert order.resolution == Resolution.NETWORK_FAULT
        assert not order.fault_hold
        assert order.events.filter(to_status=Status.COMPLETED).count() == 1
    assert sms("fault_restored_sms").count() == 3


def test_a_suspected_fault_cannot_be_restored(org, dispatcher_by):
    for i in range(5):
        repair(T0 + minutes(i))
    [fault] = faults_detect(now=T0 + minutes(5))
    with pytest.raises(InvalidTransition):
        fault_restore(fault, by=dispatcher_by, now=T0 + minutes(6))


def test_confirming_a_suspected_fault_texts_its_linked_customers(org, dispatcher_by):
    for i in range(5):
        repair(T0 + minutes(i))
    [fault] = faults_detect(now=T0 + minutes(5))
    assert sms("fault_link_sms").count() == 0
    fault_confirm(
        fault, by=dispatcher_by, eta=T0 + dt.timedelta(hours=2), now=T0 + minutes(6)
    )
    assert sms("fault_link_sms").count() == 5
    assert repair(T0 + minutes(7)).network_fault_id == fault.pk


def test_reopen_sends_the_repair_back_with_its_entry_time(declared, dispatcher_by):
    order = repair(T0 + minutes(20))
    restored_at = T0 + dt.timedelta(hours=3)
    fault_restore(declared, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    order.refresh_from_db()

    order_reopen(
        order,
        note="客户反映仍无法上网",
        by=dispatcher_by,
        now=restored_at + minutes(30),
    )

    order.refresh_from_db()
    assert order.status == Status.PENDING
    assert order.accepted_at == T0 + minutes(20)
    assert order.completed_at is None and order.resolution == ""
    assert not order.fault_hold
    with pytest.raises(InvalidTransition):
        order_reopen(
            order, note="again", by=dispatcher_by, now=restored_at + minutes(31)
        )
    auto_dispatch_run(now=restored_at + minutes(32))
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_slow_repair_compensation_on_a_fault_lasting_past_midnight(dispatcher_by):
    # entered Mon 10:00 (before 16:00): due Mon 23:59:59; restored Tue 08:00
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="光缆被挖断",
        started_at=T0,
        by=dispatcher_by,
        now=T0,
    )
    order = repair(local_time(2026, 11, 16, 10, 0))
    assert order.is_same_day and order.network_fault_id == fault.pk
    restored_at = local_time(2026, 11, 17, 8, 0)
    fault_restore(fault, restored_at=restored_at, by=dispatcher_by, now=restored_at)

    claim = Claim.objects.get(work_order=order)
    assert claim.days_late == 1 and str(claim.amount) == "10.00"
    assert claim.exemption == ""  # the fault is the operator's


def test_force_majeure_with_evidence_exempts_a_fault_repair(dispatcher_by):
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="台风致光缆中断",
        started_at=T0,
        by=dispatcher_by,
        now=T0,
    )
    type(fault).objects.filter(pk=fault.pk).update(
        force_majeure_evidence="气象台台风红色预警"
    )
    order = repair(local_time(2026, 11, 16, 10, 0))
    restored_at = local_time(2026, 11, 17, 8, 0)
    fault_restore(fault, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    claim = Claim.objects.get(work_order=order)
    assert claim.status == "exempt" and claim.exemption == "force_majeure"
    assert claim.evidence == "气象台台风红色预警"


def test_restoration_just_before_midnight_owes_nothing(dispatcher_by):
    fault = fault_declare(
        package_areas=["P1"],
        product="",
        cause="断电",
        started_at=T0,
        by=dispatcher_by,
        now=T0,
    )
    order = repair(local_time(2026, 11, 16, 10, 0))
    restored_at = local_time(2026, 11, 16, 23, 59, 59)
    fault_restore(fault, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    assert not Claim.objects.filter(work_order=order).exists()


def test_crm_hears_about_linked_and_restored_repairs(declared, dispatcher_by, settings):
    settings.CRM_CALLBACK_URL = "https://crm.example/callback"
    order = repair(T0 + minutes(20), crm_order_id="CRM-F-1")
    restored_at = T0 + dt.timedelta(hours=3)
    fault_restore(declared, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    payloads = [
        n.payload
        for n in Notification.objects.filter(topic="crm_status", subject_id=order.pk)
    ]
    assert {"crm_order_id": "CRM-F-1", "network_fault_status": "linked"}.items() <= (
        payloads[0].items()
    )
    assert payloads[0]["network_fault"] == declared.number
    statuses = {
        (p["status"], p.get("previous_status"), p.get("network_fault_status"))
        for p in payloads[1:]
    }
    assert statuses == {
        ("completed", None, "restored"),
        ("completed", "pending", None),
    }
    assert len(payloads) == 3
    # a second restoration tells the CRM nothing more
    fault_restore(declared, by=dispatcher_by, now=restored_at + minutes(5))
    assert (
        Notification.objects.filter(topic="crm_status", subject_id=order.pk).count()
        == 3
    )


def test_a_repair_linked_after_restoration_is_released_by_the_next_pass(
    declared, dispatcher_by
):
    restored_at = T0 + dt.timedelta(hours=3)
    fault_restore(declared, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    # an intake that read the hold just before the restoration committed
    late = repair(T0 + minutes(30), now=restored_at)
    WorkOrder.objects.filter(pk=late.pk).update(network_fault=declared, fault_hold=True)

    from network_faults.services import held_orders_release_stale

    assert held_orders_release_stale(now=restored_at + minutes(1)) == 1
    assert held_orders_release_stale(now=restored_at + minutes(2)) == 0
    late.refresh_from_db()
    assert not late.fault_hold and late.status == Status.PENDING
