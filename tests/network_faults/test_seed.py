"""The demo faults: one suspected, one confirmed with linked and intercepted repairs."""

import pytest

from network_faults.management.commands.seed_faults import seed_faults
from network_faults.models import FaultStatus, NetworkFault
from tests.conftest import local_time
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_seed_faults_is_idempotent_and_complete(org):
    now = local_time(2026, 11, 20, 15, 0)
    assert len(seed_faults(now=now)) == 2
    assert seed_faults(now=now) == []
    suspected = NetworkFault.objects.get(status=FaultStatus.SUSPECTED)
    confirmed = NetworkFault.objects.get(status=FaultStatus.CONFIRMED)
    assert (
        WorkOrder.objects.filter(network_fault=suspected, fault_hold=True).count() == 5
    )
    linked = WorkOrder.objects.filter(network_fault=confirmed)
    assert linked.count() == 6 and linked.filter(fault_intercepted=True).count() == 2
