"""Closing a restored fault through the API, and the vendor's 定责 marks kept
right when a restoration completes, or a reopen uncompletes, its repairs."""

import pytest
import time_machine

from compensation.models import Claim
from network_faults.models import FaultEvent, NetworkFault
from tests.conftest import local_time, order_payload

pytestmark = pytest.mark.django_db

FAULTS = "/api/v1/network-faults/"
ORDERS = "/api/v1/work-orders/"
MON_10 = local_time(2026, 11, 16, 10, 0)


@pytest.fixture
def clock():
    with time_machine.travel(MON_10, tick=False) as traveller:
        yield traveller


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def declare(client, area="P1"):
    return ok(
        client.post(
            FAULTS,
            {
                "package_areas": [area],
                "product": None,
                "cause": "OLT 板卡故障",
                "started_at": "2026-11-16T09:00:00+08:00",
                "eta": "2026-11-16T14:00:00+08:00",
            },
            format="json",
        ),
        201,
    )


# --- close ------------------------------------------------------------------------


def test_close_answers_409_until_restored_then_closes_once(dispatcher, hotline, clock):
    fault = declare(dispatcher)
    url = f"{FAULTS}{fault['id']}/close/"
    refused = dispatcher.post(url, {}, format="json")
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "invalid_transition",
        "detail": "网络故障状态为“已确认”，不能变为“已关闭”。",
    }
    assert NetworkFault.objects.get(pk=fault["id"]).status == "confirmed"

    ok(dispatcher.post(f"{FAULTS}{fault['id']}/restore/", {}, format="json"))
    assert hotline.post(url, {}, format="json").status_code == 403
    closed = ok(dispatcher.post(url, {}, format="json"))
    assert closed["status"] == "closed"
    assert closed["closed_at"].startswith("2026-11-16T10:00:00")
    again = ok(dispatcher.post(url, {}, format="json"))
    assert again["status"] == "closed" and again["closed_at"] == closed["closed_at"]
    lines = FaultEvent.objects.filter(fault_id=fault["id"], to_status="closed")
    assert lines.count() == 1 and lines.get().from_status == "restored"
    timeline = ok(dispatcher.get(f"{FAULTS}{fault['id']}/timeline/"))
    assert [e["to_status"] for e in timeline][-1] == "closed"


@pytest.mark.parametrize("to", ["suspected", "dismissed"])
def test_close_of_a_suspected_or_dismissed_fault_is_a_409(dispatcher, clock, to):
    fault = declare(dispatcher)
    NetworkFault.objects.filter(pk=fault["id"]).update(status=to)
    response = dispatcher.post(f"{FAULTS}{fault['id']}/close/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert NetworkFault.objects.get(pk=fault["id"]).status == to


def test_the_fault_page_closes_a_restored_fault(client, dispatcher_user, dispatcher):
    fault = declare(dispatcher)
    client.force_login(dispatcher_user)
    page = client.get(f"/console/faults/{fault['id']}/").content.decode()
    assert 'id="close-fault"' not in page
    ok(dispatcher.post(f"{FAULTS}{fault['id']}/restore/", {}, format="json"))
    page = client.get(f"/console/faults/{fault['id']}/").content.decode()
    assert 'id="close-fault"' in page
    # the desk's panel lists it to be closed
    panel = client.get("/console/faults/panel/").content.decode()
    assert (
        "已恢复，待关闭" in panel and f"/console/faults/{fault['id']}/close/" in panel
    )
    client.post(f"/console/faults/{fault['id']}/close/")
    assert NetworkFault.objects.get(pk=fault["id"]).status == "closed"
    page = client.get(f"/console/faults/{fault['id']}/").content.decode()
    assert "已关闭" in page and 'id="close-fault"' not in page
    assert "已恢复，待关闭" not in client.get("/console/faults/panel/").content.decode()


# --- 定责 marks at restoration and reopen ---------------------------------------------


def _dispatched(crm, dispatcher, clock, *, ref, phone, code="T2"):
    clock.move_to(MON_10)
    order_id = ok(
        crm.post(
            ORDERS,
            order_payload(
                crm_order_id=ref,
                kind="repair",
                accepted_at="2026-11-16T10:00:00+08:00",
                customer={"phone": phone},
            ),
            format="json",
        ),
        201,
    )["id"]
    ok(dispatcher.post(f"{ORDERS}{order_id}/dispatch/", {"technician": code}, "json"))
    return order_id


def _job(crm, dispatcher, tech, clock, n, done_at, cause=None):
    order_id = _dispatched(
        crm, dispatcher, clock, ref=f"V-{n}", phone=f"1390000{n:04d}"
    )
    ok(tech.post(f"{ORDERS}{order_id}/accept/"))
    clock.move_to(done_at)
    ok(
        tech.post(
            f"{ORDERS}{order_id}/complete/",
            {"resolution": "remote", "delay_cause": cause},
            format="json",
        )
    )
    return order_id


def test_restoration_and_reopen_move_the_vendors_mark_at_the_5_percent_line(
    crm, dispatcher, hotline, tech2, clock
):
    """T2 works for vendor V1. 1 installer-late of 19 same-day orders is 5.26 %:
    the claim is the vendor's. A restoration completing a 20th (dispatched to
    T2, then linked) makes it exactly 5 %: the vendor bears nothing and the
    claim is the branch's. Reopening that repair makes it 1 of 19 again."""
    late = _job(
        crm, dispatcher, tech2, clock, 0, local_time(2026, 11, 17, 9, 0), "installer"
    )
    for n in range(1, 19):
        _job(crm, dispatcher, tech2, clock, n, local_time(2026, 11, 16, 15, 0))
    claim = Claim.objects.get(work_order_id=late)
    assert claim.liable_party == "vendor"

    linked = _dispatched(crm, dispatcher, clock, ref="V-LINK", phone="13900009999")
    clock.move_to(local_time(2026, 11, 17, 10, 0))
    fault = declare(dispatcher)
    ok(
        dispatcher.post(
            f"{FAULTS}{fault['id']}/link/", {"work_orders": [linked]}, "json"
        )
    )
    ok(
        dispatcher.post(
            f"{FAULTS}{fault['id']}/restore/",
            {"restored_at": "2026-11-17T10:00:00+08:00"},
            format="json",
        )
    )
    # the restored repair was late (its 当日修 deadline passed): the operator's claim
    restored_claim = Claim.objects.get(work_order_id=linked)
    assert restored_claim.delay_cause == "" and restored_claim.liable_party == "branch"
    claim.refresh_from_db()
    assert claim.liable_party == "branch"
    assert claim.history.first().history_change_reason.startswith("定责")

    ok(hotline.post(f"{ORDERS}{linked}/reopen/", {"note": "仍无法上网"}, "json"))
    claim.refresh_from_db()
    assert claim.liable_party == "vendor"
    restored_claim.refresh_from_db()
    assert restored_claim.liable_party == "branch"


def test_the_order_page_reopens_a_restored_repair(client, dispatcher, hotline, org):
    from tests.conftest import make_user

    order = ok(
        hotline.post(
            ORDERS,
            order_payload(crm_order_id="R-REOPEN", source="hotline", kind="repair"),
            format="json",
        ),
        201,
    )
    fault = declare(dispatcher)
    ok(
        dispatcher.post(
            f"{FAULTS}{fault['id']}/link/", {"work_orders": [order["id"]]}, "json"
        )
    )
    page = f"/console/orders/{order['id']}/"
    agent = make_user("agent-reopen", "hotline_agent")
    client.force_login(agent)
    assert 'id="fault-reopen"' not in client.get(page).content.decode()
    ok(dispatcher.post(f"{FAULTS}{fault['id']}/restore/", {}, format="json"))
    assert 'id="fault-reopen"' in client.get(page).content.decode()

    outsider = make_user("disp-d2-reopen", "dispatcher", district="D2")
    client.force_login(outsider)
    url = f"/console/faults/orders/{order['id']}/reopen/"
    assert client.post(url, {"note": "仍无法上网"}).status_code == 404
    client.force_login(agent)
    response = client.post(url, {"note": "仍无法上网"})
    assert response.status_code == 302 and response["Location"] == page
    reopened = ok(dispatcher.get(f"{ORDERS}{order['id']}/"))
    assert reopened["status"] == "pending"
    assert reopened["accepted_at"] == order["accepted_at"]
    # twice: refused with a message, nothing changes
    again = client.post(url, {}, follow=True).content.decode()
    assert "不是由网络故障恢复关闭的" in again
    assert 'id="fault-reopen"' not in again


def _restored_a_day_late(crm, dispatcher, clock, ref, phone):
    """A repair entered Mon 10:00, linked, restored Tue 10:00: its claim."""
    linked = _dispatched(crm, dispatcher, clock, ref=ref, phone=phone)
    clock.move_to(local_time(2026, 11, 17, 10, 0))
    fault = declare(dispatcher)
    ok(
        dispatcher.post(
            f"{FAULTS}{fault['id']}/link/", {"work_orders": [linked]}, "json"
        )
    )
    ok(
        dispatcher.post(
            f"{FAULTS}{fault['id']}/restore/",
            {"restored_at": "2026-11-17T10:00:00+08:00"},
            format="json",
        )
    )
    return Claim.objects.get(work_order_id=linked)


def _reopened_and_completed_thursday(hotline, dispatcher, tech2, clock, order_id):
    ok(hotline.post(f"{ORDERS}{order_id}/reopen/", {"note": "仍无法上网"}, "json"))
    ok(dispatcher.post(f"{ORDERS}{order_id}/dispatch/", {"technician": "T2"}, "json"))
    ok(tech2.post(f"{ORDERS}{order_id}/accept/"))
    clock.move_to(local_time(2026, 11, 19, 9, 0))
    ok(
        tech2.post(
            f"{ORDERS}{order_id}/complete/", {"resolution": "remote"}, format="json"
        )
    )


def test_a_reopened_repair_completed_later_owes_for_its_new_completion(
    crm, dispatcher, hotline, tech2, clock
):
    """Restored Tue 10:00: one day late, 10 yuan awaiting review. The customer
    says it is not fixed; the technician completes it Thu 09:00: three days
    late, the same claim now owes 30 yuan, with a timeline line saying why."""
    claim = _restored_a_day_late(crm, dispatcher, clock, "R-1", "13900001234")
    assert (claim.days_late, str(claim.amount)) == (1, "10.00")
    linked = claim.work_order_id

    _reopened_and_completed_thursday(hotline, dispatcher, tech2, clock, linked)
    claim.refresh_from_db()
    assert claim.status == "pending_review"
    assert (claim.days_late, str(claim.amount)) == (3, "30.00")
    assert claim.completed_at == local_time(2026, 11, 19, 9, 0)
    assert Claim.objects.filter(work_order_id=linked).count() == 1
    timeline = ok(dispatcher.get(f"{ORDERS}{linked}/timeline/"))
    events = timeline["results"] if isinstance(timeline, dict) else timeline
    assert any(e["reason"].startswith("重开后再次竣工") for e in events)


def test_an_audited_claim_stands_when_the_reopened_repair_completes(
    crm, dispatcher, hotline, tech2, clock
):
    from compensation.services import claim_approve
    from tests.conftest import make_user

    claim = _restored_a_day_late(crm, dispatcher, clock, "R-2", "13900001235")
    claim_approve(
        claim,
        by=make_user("fin-reopen", "finance"),
        now=local_time(2026, 11, 17, 11, 0),
    )
    _reopened_and_completed_thursday(
        hotline, dispatcher, tech2, clock, claim.work_order_id
    )
    claim.refresh_from_db()
    assert (claim.status, claim.days_late, str(claim.amount)) == (
        "approved",
        1,
        "10.00",
    )
