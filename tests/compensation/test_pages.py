"""The finance audit page: bulk approval, rejection with a reason, payout."""

import pytest

from compensation.models import Claim, Recharge
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


def test_finance_pays_approved_claims_in_bulk_once_each(
    client,
    crm,
    dispatcher,
    tech1,
    clock,  # noqa: F811
):
    orders = []
    for n, phone in enumerate(("13900000001", "13900000002")):
        clock.move_to(local_time(2026, 11, 16, 10, 0))
        orders.append(
            finished(
                crm,
                dispatcher,
                tech1,
                clock,
                ref=f"P{n}",
                done_at=local_time(2026, 11, 17, 9),
                customer={"phone": phone},
            )
        )
    client.force_login(make_user("fin1", "finance"))
    ids = list(
        Claim.objects.filter(work_order_id__in=orders).values_list("pk", flat=True)
    )
    client.post("/compensation/audit/", {"action": "approve", "ids": ids})
    page = client.get("/compensation/audit/?status=approved").content.decode()
    # the list shows entry, deadline, completion, days late, cause and evidence
    for header in (
        "录入时间",
        "承诺时限",
        "竣工时间",
        "超时天数",
        "超时原因/免责",
        "佐证",
    ):
        assert header in page
    assert "11-16 10:00" in page and "11-17 09:00" in page
    # when finance pays both at once, then submits the same batch again
    first, again = (
        client.post(
            "/compensation/audit/?status=approved",
            {"action": "pay_bulk", "ids": ids},
            follow=True,
        ).content.decode()
        for _ in range(2)
    )
    # then each claim was recharged exactly once
    assert "已充值 2 条，共 20.00 元" in first
    assert "已充值 0 条" in again and "2 条此前已充值，未重复充值" in again
    assert set(Claim.objects.values_list("status", flat=True)) == {"paid"}
    assert Recharge.objects.filter(claim_id__in=ids).count() == 2


def test_managers_cannot_pay_in_bulk(client, org):
    client.force_login(make_user("m1", "manager"))
    response = client.post("/compensation/audit/", {"action": "pay_bulk", "ids": [1]})
    assert response.status_code == 403
