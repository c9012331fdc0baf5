"""Detection (SPEC §13): N repairs of one product in one package area in W minutes."""

import datetime as dt

import pytest
import time_machine
from celery import current_app

from dispatch.services import auto_dispatch_run
from network_faults.models import FaultStatus, NetworkFault
from network_faults.services import fault_dismiss, faults_detect
from network_faults.tasks import detect
from notifications.models import Notification
from tests.conftest import local_time, make_user
from workorders.models import FaultDetectionRule, WorkOrder

from .helpers import repair

pytestmark = pytest.mark.django_db

T0 = local_time(2026, 11, 16, 9, 0)


def minutes(n):
    return dt.timedelta(minutes=n)


def test_four_repairs_open_no_fault_five_open_one(org):
    for i in range(4):
        repair(T0 + minutes(i))
    assert faults_detect(now=T0 + minutes(5)) == []

    repair(T0 + minutes(6))
    [fault] = faults_detect(now=T0 + minutes(6))

    assert fault.status == FaultStatus.SUSPECTED
    assert list(fault.package_areas.values_list("code", flat=True)) == ["P1"]
    assert fault.product == "ftth_broadband"
    assert fault.started_at == T0
    # the cluster's repairs are held from dispatch, pending a decision
    assert WorkOrder.objects.filter(network_fault=fault, fault_hold=True).count() == 5


def test_window_of_exactly_w_minutes_counts_one_second_more_does_not(org):
    for i in range(4):
        repair(T0 + minutes(i))
    repair(T0 + minutes(30))  # the first repair is exactly 30 minutes earlier
    assert len(faults_detect(now=T0 + minutes(30))) == 1


def test_window_one_second_past_w_minutes_opens_nothing(org):
    repair(T0)
    for i in range(1, 4):
        repair(T0 + minutes(i))
    repair(T0 + minutes(30) + dt.timedelta(seconds=1))
    assert faults_detect(now=T0 + minutes(30) + dt.timedelta(seconds=1)) == []


def test_repairs_of_another_product_or_area_do_not_count(org):
    for i in range(4):
        repair(T0 + minutes(i))
    repair(T0 + minutes(5), product="itv_hd")
    repair(T0 + minutes(5), package_area="P2")
    assert faults_detect(now=T0 + minutes(6)) == []


def test_installs_do_not_count(org):
    for i in range(4):
        repair(T0 + minutes(i))
    from workorders.services import CustomerIn, OrderIn, work_order_create

    work_order_create(
        data=OrderIn(
            source="crm",
            kind="install",
            product="ftth_broadband",
            customer=CustomerIn(name="新装", phone="13600000000"),
            address="x",
            package_area="P1",
            accepted_at=T0 + minutes(5),
        ),
        by=None,
        now=T0 + minutes(5),
    )
    assert faults_detect(now=T0 + minutes(6)) == []


def test_two_detection_passes_open_one_fault(org):
    for i in range(5):
        repair(T0 + minutes(i))
    first = faults_detect(now=T0 + minutes(5))
    second = faults_detect(now=T0 + minutes(6))
    assert len(first) == 1 and second == []
    assert NetworkFault.objects.count() == 1


def test_a_sixth_repair_in_a_suspected_fault_is_linked_at_intake(org):
    for i in range(5):
        repair(T0 + minutes(i))
    [fault] = faults_detect(now=T0 + minutes(5))
    sixth = repair(T0 + minutes(7))
    assert sixth.network_fault_id == fault.pk and sixth.fault_hold


def test_thresholds_are_per_area_type_and_editable(org):
    FaultDetectionRule.objects.filter(area_type="urban_core").update(
        min_repairs=3, window_minutes=10
    )
    for i in range(3):
        repair(T0 + minutes(i * 5))  # 0, 5, 10 minutes: exactly W
    assert len(faults_detect(now=T0 + minutes(10))) == 1
    # county town (P3) still needs five
    for i in range(3):
        repair(T0 + minutes(i), package_area="P3")
    assert faults_detect(now=T0 + minutes(11)) == []


def test_detection_alerts_dispatchers_once(org):
    dispatcher = make_user("disp-alert", "dispatcher")
    for i in range(5):
        repair(T0 + minutes(i))
    faults_detect(now=T0 + minutes(5))
    faults_detect(now=T0 + minutes(6))
    alerts = Notification.objects.filter(
        topic="fault_suspected", recipient_user_id=dispatcher.pk
    )
    assert alerts.count() == 1


def test_a_dismissed_cluster_does_not_open_again_for_the_same_repairs(org):
    by = make_user("disp-dismiss", "dispatcher")
    orders = [repair(T0 + minutes(i)) for i in range(5)]
    [fault] = faults_detect(now=T0 + minutes(5))

    fault_dismiss(
        fault, reason="用户终端批量问题，非网络故障", by=by, now=T0 + minutes(8)
    )

    assert faults_detect(now=T0 + minutes(9)) == []
    released = WorkOrder.objects.filter(pk__in=[o.pk for o in orders])
    assert all(o.network_fault_id is None and not o.fault_hold for o in released)
    # released to normal dispatch
    auto_dispatch_run(now=T0 + minutes(8))
    assert released.filter(status="dispatched").exists()
    # five new repairs after the dismissal are a new cluster
    for i in range(5):
        repair(T0 + minutes(10 + i))
    assert len(faults_detect(now=T0 + minutes(15))) == 1


@pytest.fixture
def eager_tasks():
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


def test_intake_nudges_detection_when_the_nth_repair_arrives(
    org, django_capture_on_commit_callbacks, eager_tasks
):
    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            repair(T0 + minutes(i))
    assert not NetworkFault.objects.exists()
    with time_machine.travel(T0 + minutes(5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            repair(T0 + minutes(5))
    assert NetworkFault.objects.filter(status=FaultStatus.SUSPECTED).count() == 1


def test_task_is_idempotent(org):
    for i in range(5):
        repair(T0 + minutes(i))
    with time_machine.travel(T0 + minutes(6), tick=False):
        assert len(detect.apply().get()) == 1
        assert detect.apply().get() == []
