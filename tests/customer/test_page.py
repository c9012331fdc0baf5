"""The customer's own page by token (SPEC §14)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from complaints.models import Callback
from dispatch.models import SlotPolicy
from notifications.models import Notification
from sla.models import Approval, SlaEvent
from tests.complaints.conftest import MONDAY_10, ORDERS, completed_order
from tests.conftest import local_time, order_payload
from workorders.models import Kind, Source, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

DUE = "/api/v1/callbacks/due/"
DONE_AT = local_time(2026, 11, 16, 15)
EVALUATION = {
    "action": "evaluate",
    "contact": "5",
    "punctuality": "4",
    "skill": "5",
    "attitude": "5",
    "satisfied": "1",
}


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    caches["throttle"].clear()  # the page's per-minute counters live in the cache


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def path_of(order_id) -> str:
    return "/c/" + WorkOrder.objects.get(pk=order_id).customer_token + "/"


@pytest.fixture
def done(crm, dispatcher, tech1, clock):
    return completed_order(crm, dispatcher, tech1, clock, done_at=DONE_AT)


@pytest.fixture
def appointed(crm, dispatcher, tech1, clock):
    order_id = crm.post(
        ORDERS, order_payload(crm_order_id="A-1", accepted_at=None), format="json"
    ).json()["id"]
    for action, client, body in [
        ("dispatch", dispatcher, {"technician": "T1"}),
        ("accept", tech1, {}),
        (
            "contact",
            tech1,
            {
                "appointment_start": "2026-11-17T10:00:00+08:00",
                "appointment_end": "2026-11-17T12:00:00+08:00",
            },
        ),
    ]:
        response = client.post(f"{ORDERS}{order_id}/{action}/", body, format="json")
        assert response.status_code == 200, response.json()
    return order_id


def test_every_order_answers_its_customer_url_and_its_sms_carries_it(crm, appointed):
    body = crm.get(f"{ORDERS}{appointed}/").json()
    token = WorkOrder.objects.get(pk=appointed).customer_token
    assert body["customer_url"] == f"http://127.0.0.1:8000/c/{token}/"
    assert token != str(appointed) and len(token) >= 32  # unguessable, not the id
    sms = Notification.objects.filter(channel="sms", subject_id=appointed)
    assert {n.topic for n in sms} == {"dispatch_sms", "appointment_sms"}
    assert all(body["customer_url"] in n.body for n in sms)


def test_the_base_url_is_a_setting(crm, appointed, settings):
    settings.CUSTOMER_BASE_URL = "https://kf.example.cn/"
    url = crm.get(f"{ORDERS}{appointed}/").json()["customer_url"]
    assert url.startswith("https://kf.example.cn/c/")


def test_the_page_shows_status_technician_appointment_and_deadline(appointed):
    page = Client().get(path_of(appointed))
    assert page.status_code == 200
    text = page.content.decode()
    assert "已预约上门" in text
    assert "张工" in text and "13800000001" in text
    assert "11月17日 10:00–12:00" in text
    assert "承诺完成时间" in text


def test_the_page_of_one_order_never_shows_another(crm, appointed):
    other = crm.post(
        ORDERS,
        order_payload(
            crm_order_id="B-1",
            accepted_at=None,
            customer={"name": "赵先生", "phone": "13700000000"},
            address="海连路 9 号",
        ),
        format="json",
    ).json()
    text = Client().get(path_of(appointed)).content.decode()
    assert other["number"] not in text and "海连路" not in text
    assert "13700000000" not in text


def test_an_altered_or_unknown_token_is_a_404_that_reveals_nothing(appointed):
    token = WorkOrder.objects.get(pk=appointed).customer_token
    altered = Client().get(f"/c/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/")
    unknown = Client().get("/c/nothing-here/")
    by_id = Client().get(f"/c/{appointed}/")
    assert altered.status_code == unknown.status_code == by_id.status_code == 404
    assert altered.content == unknown.content == by_id.content
    assert WorkOrder.objects.get(pk=appointed).number.encode() not in altered.content


def test_the_link_works_until_30_days_after_completion(done, clock):
    path = path_of(done)
    clock.move_to(DONE_AT + dt.timedelta(days=30))
    assert Client().get(path).status_code == 200
    clock.move_to(DONE_AT + dt.timedelta(days=30, seconds=1))
    expired = Client().get(path)
    assert expired.status_code == 404
    assert expired.content == Client().get("/c/nothing-here/").content


def test_too_many_requests_are_429(appointed):
    SlotPolicy.objects.update_or_create(
        pk=1, defaults={"customer_page_rate_per_minute": 3}
    )
    client = Client()
    codes = [client.get(path_of(appointed)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # guessing tokens counts too
    assert client.get("/c/guess/").status_code == 429


def test_the_customer_confirms_the_appointment(appointed):
    client = Client()
    response = client.post(path_of(appointed), {"action": "confirm"})
    assert response.status_code == 302
    line = WorkOrderEvent.objects.filter(order_id=appointed, kind="note").get()
    assert line.reason == "客户在自助页面确认预约"
    assert "已确认预约" in client.get(path_of(appointed)).content.decode()


def test_the_customer_rebooks_into_a_slot_with_room_as_a_request(appointed, clock):
    page = Client().get(path_of(appointed)).content.decode()
    assert 'value="2026-11-18T14:00:00+08:00"' in page
    assert 'value="2026-11-17T10:00:00+08:00"' not in page  # the slot it holds
    response = Client().post(
        path_of(appointed), {"action": "rebook", "slot": "2026-11-18T14:00:00+08:00"}
    )
    assert response.status_code == 302
    approval = Approval.objects.get(order_id=appointed)
    assert (approval.kind, approval.customer_confirmed, approval.requested_by) == (
        "reschedule",
        True,
        None,
    )
    assert approval.appointment_start == local_time(2026, 11, 18, 14)
    assert approval.appointment_end == local_time(2026, 11, 18, 16)
    assert "正在审核" in Client().get(path_of(appointed)).content.decode()


def test_the_desk_shows_a_rebooking_from_the_page_as_the_customers(
    appointed, dispatcher_user
):
    """A request from the page has no requesting user: the dispatcher desk's
    approvals panel and the order page name the customer (they used to fail
    with a server error on the missing user)."""
    Client().post(
        path_of(appointed), {"action": "rebook", "slot": "2026-11-18T14:00:00+08:00"}
    )
    desk = Client()
    desk.force_login(dispatcher_user)
    for url in (
        "/console/dispatch/",
        "/console/dispatch/side/",
        f"/console/orders/{appointed}/",
    ):
        response = desk.get(url)
        assert response.status_code == 200, url
        assert "客户（自助页面）" in response.content.decode(), url


def test_a_full_slot_is_not_offered_and_cannot_be_forced(appointed, crm):
    # G1 has two technicians: two installs fill 18th 08–10
    for n in (1, 2):
        assert (
            crm.post(
                ORDERS,
                order_payload(
                    crm_order_id=f"F-{n}",
                    accepted_at=None,
                    appointment_start="2026-11-18T08:00:00+08:00",
                    appointment_end="2026-11-18T10:00:00+08:00",
                ),
                format="json",
            ).status_code
            == 201
        )
    page = Client().get(path_of(appointed)).content.decode()
    assert 'value="2026-11-18T08:00:00+08:00"' not in page
    forced = Client().post(
        path_of(appointed), {"action": "rebook", "slot": "2026-11-18T08:00:00+08:00"}
    )
    assert forced.status_code == 200
    assert "已约满" in forced.content.decode()
    assert Approval.objects.count() == 0


def test_the_evaluation_counts_as_the_callback_once(done, hotline):
    assert [r["id"] for r in hotline.get(DUE).json()["results"]] == [done]
    client = Client()
    assert client.post(path_of(done), EVALUATION).status_code == 302
    callback = Callback.objects.get(work_order_id=done)
    assert (callback.channel, callback.by, callback.satisfied) == ("page", None, True)
    assert hotline.get(DUE).json()["results"] == []  # the agents' queue skips it
    again = client.post(path_of(done), EVALUATION)
    assert again.status_code == 200 and "已回访" in again.content.decode()
    assert Callback.objects.filter(work_order_id=done).count() == 1
    assert "您已评价本次服务" in client.get(path_of(done)).content.decode()


def test_a_dissatisfied_evaluation_escalates_as_a_callback(done):
    Client().post(path_of(done), {**EVALUATION, "satisfied": "0"})
    assert SlaEvent.objects.filter(order_id=done, kind="escalation").exists()


def test_an_evaluation_needs_every_score(done):
    response = Client().post(path_of(done), {**EVALUATION, "skill": ""})
    assert response.status_code == 200
    assert Callback.objects.count() == 0


def test_the_fault_back_opens_one_repeat_fault_repair(done):
    client = Client()
    assert client.post(path_of(done), {"action": "fault_back"}).status_code == 302
    assert client.post(path_of(done), {"action": "fault_back"}).status_code == 302
    [repair] = WorkOrder.objects.filter(source=Source.SELF_SERVICE)
    original = WorkOrder.objects.get(pk=done)
    assert (repair.kind, repair.is_repeat_fault) == (Kind.REPAIR, True)
    assert original.number in repair.description
    assert repair.customer_id == original.customer_id


def test_an_open_order_offers_no_evaluation_and_refuses_one(appointed):
    page = Client().get(path_of(appointed)).content.decode()
    assert 'name="punctuality"' not in page
    response = Client().post(path_of(appointed), EVALUATION)
    assert response.status_code == 200
    assert Callback.objects.count() == 0
