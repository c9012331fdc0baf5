"""Two bookings of the last place of a slot at once, on PostgreSQL (SPEC §14)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from dispatch import slot_services
from dispatch_center.errors import Conflict
from tests.conftest import local_time
from workorders.models import WorkOrder
from workorders.services import CustomerIn, OrderIn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the slot's row lock is what is tested")


def _data(i):
    return OrderIn(
        source="crm",
        kind="install",
        product="ftth_broadband",
        customer=CustomerIn(name=f"客户{i}", phone=f"1390000{i:04d}"),
        address=f"地址{i}",
        package_area="P3",  # G2: one technician, one install per slot
        crm_order_id=f"RACE-SLOT-{i}",
        appointment_start=local_time(2026, 11, 21, 10, 0),
        appointment_end=local_time(2026, 11, 21, 12, 0),
    )


@pytest.mark.parametrize("bookers", [2, 6])
def test_the_last_place_goes_to_one_booking_and_the_others_get_slot_full(org, bookers):
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        barrier = threading.Barrier(bookers)
        outcomes, errors = [], []

        def one(i):
            try:
                barrier.wait()
                slot_services.order_intake(data=_data(i), by=None)
                outcomes.append("booked")
            except Conflict as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(bookers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(outcomes) == ["booked"] + ["slot_full"] * (bookers - 1)
    assert WorkOrder.objects.filter(crm_order_id__startswith="RACE-SLOT").count() == 1
