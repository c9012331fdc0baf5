"""The customer's page of a repair linked to a network fault (SPEC §13, §14)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from network_faults.services import fault_declare, fault_eta_set, fault_restore
from notifications.models import Notification
from tests.conftest import local_time, make_user
from tests.network_faults.helpers import repair
from workorders.models import Status, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

T0 = local_time(2026, 11, 16, 9, 0)


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    caches["throttle"].clear()


@pytest.fixture
def clock():
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False) as t:
        yield t


@pytest.fixture
def dispatcher_by(org):
    return make_user("disp-fault", "dispatcher")


@pytest.fixture
def fault(dispatcher_by, clock):
    return fault_declare(
        package_areas=["P1"],
        product="ftth_broadband",
        cause="PON口板卡故障",
        started_at=T0,
        eta=T0 + dt.timedelta(hours=4),
        by=dispatcher_by,
        now=T0 + dt.timedelta(minutes=10),
    )


def path_of(order) -> str:
    return "/c/" + WorkOrder.objects.get(pk=order.pk).customer_token + "/"


def test_a_linked_repair_shows_the_fault_and_its_eta(fault):
    order = repair(T0 + dt.timedelta(minutes=20))
    other = repair(T0 + dt.timedelta(minutes=25))
    text = Client().get(path_of(order)).content.decode()
    assert "您所在区域正在抢修网络故障" in text
    assert fault.number in text and "PON口板卡故障" in text
    assert "预计恢复时间：11月16日 13:00" in text
    # nothing of the fault's other linked repairs
    assert other.number not in text and other.customer.phone not in text


def test_a_fault_without_eta_says_so(fault):
    type(fault).objects.filter(pk=fault.pk).update(eta=None)
    order = repair(T0 + dt.timedelta(minutes=20))
    assert "预计恢复时间：尚未确定" in Client().get(path_of(order)).content.decode()


def test_an_order_without_fault_shows_none(org, clock):
    order = repair(T0 + dt.timedelta(minutes=20))
    assert 'id="network-fault"' not in Client().get(path_of(order)).content.decode()


def test_not_fixed_after_restoration_reopens_the_repair_once(
    fault, dispatcher_by, clock
):
    order = repair(T0 + dt.timedelta(minutes=20))
    restored_at = T0 + dt.timedelta(hours=3)
    clock.move_to(restored_at)
    fault_restore(fault, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    client = Client()
    text = client.get(path_of(order)).content.decode()
    assert "您所在区域的网络故障已恢复" in text
    assert 'id="fault-not-fixed"' in text
    assert 'id="fault-back"' not in text  # reopened, not a new repeat repair

    clock.move_to(restored_at + dt.timedelta(minutes=30))
    response = client.post(path_of(order), {"action": "fault_not_fixed"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.PENDING and order.accepted_at == T0 + dt.timedelta(
        minutes=20
    )
    assert WorkOrder.objects.count() == 1  # the same order, no new repair
    assert WorkOrderEvent.objects.filter(
        order=order, reason__contains="网络故障恢复后仍未修好"
    ).exists()
    again = client.post(path_of(order), {"action": "fault_not_fixed"})
    assert again.status_code == 200 and 'role="alert"' in again.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.PENDING


def test_the_fault_sms_carry_the_customer_link(fault, dispatcher_by, clock):
    order = repair(T0 + dt.timedelta(minutes=20))
    fault_eta_set(fault, eta=T0 + dt.timedelta(hours=5), by=dispatcher_by)
    restored_at = T0 + dt.timedelta(hours=3)
    fault_restore(fault, restored_at=restored_at, by=dispatcher_by, now=restored_at)
    link = "/c/" + WorkOrder.objects.get(pk=order.pk).customer_token + "/"
    sms = Notification.objects.filter(channel="sms", subject_id=order.pk)
    topics = {n.topic for n in sms}
    assert {"fault_link_sms", "fault_eta_sms", "fault_restored_sms"} <= topics
    assert all(link in n.body for n in sms)
