"""The finance audit page: bulk approval, rejection with a reason, payout."""

import pytest

from compensation.models import Claim
from tests.compensation.test_api import clock, finished  # noqa: F401 - fixtures
from tests.conftest import local_time, make_user

pytestmark = pytest.mark.django_db


def test_finance_audits_in_bulk_rejects_and_pays(client, crm, dispatcher, tech1, clock):  # noqa: F811
    a = finished(
        crm, dispatcher, tech1, clock, ref="A", done_at=local_time(2026, 11, 17, 9)
    )
    clock.move_to(local_time(2026, 11, 16, 10, 0))
    b = finished(
        crm,
        dispatcher,
        tech1,
        clock,
        ref="B",
        done_at=local_time(2026, 11, 17, 9),
        customer={"phone": "13900000001"},
    )
    client.force_login(make_user("fin1", "finance"))
    page = client.get("/compensation/audit/").content.decode()
    assert "慢必赔补偿审核" in page and "10.00" in page
    ids = [Claim.objects.get(work_order_id=a).pk, Claim.objects.get(work_order_id=b).pk]

    client.post("/compensation/audit/", {"action": "approve", "ids": ids})
    assert set(Claim.objects.values_list("status", flat=True)) == {"approved"}
    response = client.post(
        "/compensation/audit/?status=approved",
        {"action": "reject", "id": ids[1], "reason": ""},
        follow=True,
    )
    assert "请填写驳回原因" in response.content.decode()
    client.post(
        "/compensation/audit/?status=approved",
        {"action": "reject", "id": ids[1], "reason": "重复"},
    )
    response = client.post(
        "/compensation/audit/?status=approved",
        {"action": "pay", "id": ids[0]},
        follow=True,
    )
    assert "已充值 10.00 元" in response.content.decode()
    assert dict(Claim.objects.values_list("pk", "status")) == {
        ids[0]: "paid",
        ids[1]: "rejected",
    }


def test_managers_audit_but_do_not_pay_and_others_do_not_see_it(client, org):
    client.force_login(make_user("m1", "manager"))
    assert client.get("/compensation/audit/").status_code == 200
    assert client.post(
        "/compensation/audit/", {"action": "pay", "id": 1}
    ).status_code in (403, 404)
    client.force_login(make_user("d1", "dispatcher"))
    assert client.get("/compensation/audit/").status_code == 403
