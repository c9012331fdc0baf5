"""``manage.py compensation_backfill``: claims for late orders that skipped ``complete``."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from compensation.models import Claim, Recharge
from tests.conftest import local_time, make_user
from workorders.models import WorkOrder
from workorders.services import CustomerIn, OrderIn, work_order_create

pytestmark = pytest.mark.django_db


def late_order(ref, completed_at):
    order, _ = work_order_create(
        data=OrderIn(
            source="crm",
            kind="repair",
            product="ftth_broadband",
            customer=CustomerIn(name="客户", phone="139" + ref.rjust(8, "0")),
            address="地址",
            package_area="P1",
            crm_order_id=ref,
            accepted_at=local_time(2026, 11, 10, 9),
        ),
        by=None,
        now=local_time(2026, 11, 10, 9),
    )
    WorkOrder.objects.filter(pk=order.pk).update(
        status="completed", completed_at=completed_at
    )
    return order


def run(*args):
    out = StringIO()
    call_command("compensation_backfill", *args, stdout=out)
    return out.getvalue()


def test_backfill_is_idempotent_and_settles_older_claims(org):
    make_user("finance", "finance")
    late_order("1", local_time(2026, 11, 11, 9))  # 1 day late
    late_order("2", local_time(2026, 11, 20, 9))  # 10 days late
    late_order("3", local_time(2026, 11, 10, 20))  # on time
    assert "claims created: 2" in run()
    assert "claims created: 0" in run()
    assert sorted(Claim.objects.values_list("amount", flat=True)) == [10, 100]
    assert "claims approved and paid: 1" in run("--settle-before", "2026-11-15")
    paid = Claim.objects.get(status="paid")
    assert paid.amount == 10 and Recharge.objects.count() == 1
    assert paid.paid_at == local_time(2026, 11, 11, 9) + dt.timedelta(days=3, hours=12)


def test_backfill_names_a_bad_date(org):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--settle-before", "15/11/2026")
