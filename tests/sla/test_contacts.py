"""Default escalation contacts (SPEC §5): level 1 the district's dispatchers and
the group leader, level 2 the district's managers, level 3 the centre's
managers; a level with nobody goes up a level and is flagged in the admin."""

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from org.models import RegionGroup
from org.services import escalation_staff_ensure
from sla.models import SlaEvent
from sla.tasks import scan
from tests.conftest import local_time, make_user, order_payload
from workorders.models import WorkOrderEvent

URL = "/api/v1/work-orders/"
NOW = local_time(2026, 11, 20, 10, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def order_id(hotline, dispatcher_user):
    """A same-day repair in D1 (group G1) entered 10:00: due 23:59:59."""
    payload = order_payload(
        crm_order_id="", source="hotline", kind="repair", accepted_at=None
    )
    response = hotline.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def run_ladder(clock):
    for when in (
        local_time(2026, 11, 20, 23, 59, 59),
        local_time(2026, 11, 21, 1, 59, 59),
        local_time(2026, 11, 21, 7, 59, 59),
    ):
        clock.move_to(when)
        scan.apply().get()


def told(order_id):
    return {
        e.level: sorted(e.recipients)
        for e in SlaEvent.objects.filter(order_id=order_id, kind="escalation")
    }


def test_each_level_tells_its_own_people_by_default(order_id, clock):
    # given a group leader, a manager in each district and one for the centre
    leader = make_user("leader_g1")
    RegionGroup.objects.filter(code="G1").update(leader=leader)
    make_user("mgr_d1", "manager", district="D1")
    make_user("mgr_d2", "manager", district="D2")
    make_user("boss", "manager")
    # when the ladder climbs
    run_ladder(clock)
    # then: dispatchers and the leader, the district's manager, the centre
    assert told(order_id) == {
        1: ["dispatcher1", "leader_g1"],
        2: ["mgr_d1"],
        3: ["boss"],
    }


def test_a_level_without_contacts_goes_up_a_level_and_says_so(order_id, clock):
    # given no manager in D1 (only D2's and the centre's)
    make_user("mgr_d2", "manager", district="D2")
    make_user("boss", "manager")
    run_ladder(clock)
    # then level 2 goes to the centre, and the record says whose level it was
    assert told(order_id) == {1: ["dispatcher1"], 2: ["boss"], 3: ["boss"]}
    level2 = SlaEvent.objects.get(order_id=order_id, kind="escalation", checkpoint="2")
    assert level2.data["contacts_of_level"] == 3
    line = WorkOrderEvent.objects.filter(order_id=order_id, kind="escalation")
    assert any("2级无通知对象，已通知3级" in e.reason for e in line)


def test_the_admin_flags_levels_without_contacts(org):
    make_user("disp", "dispatcher")
    make_user("boss", "manager")
    admin = User.objects.create_superuser("root", password="pw")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/sla/escalationcontact/", follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "2级升级没有通知对象，将改为通知3级" in text
    assert "新浦片区" in text
    # once every district has its manager, the warning is gone
    escalation_staff_ensure()
    text = client.get("/admin/sla/escalationcontact/").content.decode()
    assert "没有通知对象" not in text


def test_the_default_staff_are_created_once(org, order_id, clock):
    created = escalation_staff_ensure(password="demo1234")
    assert created == ["manager_d1", "manager_d2", "manager_centre"]
    assert escalation_staff_ensure(password="demo1234") == []
    assert User.objects.get(username="manager_d1").check_password("demo1234")
    run_ladder(clock)
    assert told(order_id)[2] == ["manager_d1"]
    assert told(order_id)[3] == ["manager_centre"]
