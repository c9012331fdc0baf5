"""A locked run never changes; technicians see their own published lines; the
xlsx export matches the JSON."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction

from payroll.models import PayrollItem, PayrollLine, PayrollRun
from tests.conftest import local_time, order_payload

from .conftest import (
    MY_LINES,
    RUNS,
    act,
    create_run,
    lines_by_code,
    make_order,
    set_base,
)

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/work-orders/"


def nov(day, hour=10, minute=0):
    return local_time(2026, 11, day, hour, minute)


def locked_run(client) -> dict:
    run = create_run(client)
    act(client, run["id"], "review")
    return act(client, run["id"], "lock")


def snapshot(client, run_id) -> dict:
    """Everything the API shows of a run: the run, its lines and their items."""
    lines = lines_by_code(client, run_id)
    return {
        "run": client.get(f"{RUNS}{run_id}/").json(),
        "lines": lines,
        "items": {
            code: client.get(f"{RUNS}{run_id}/lines/{line['id']}/items/").json()
            for code, line in lines.items()
        },
        "vendors": client.get(f"{RUNS}{run_id}/vendors/").json(),
    }


def complete_through_the_api(crm, dispatcher, tech, clock, ref) -> int:
    """A CRM install worked by T1 and completed on site (the real workflow)."""
    order_id = crm.post(
        ORDERS,
        order_payload(crm_order_id=ref, accepted_at="2026-11-20T09:00:00+08:00"),
        format="json",
    ).json()["id"]
    for action, client, body in [
        ("dispatch", dispatcher, {"technician": "T1"}),
        ("accept", tech, {}),
        (
            "contact",
            tech,
            {
                "appointment_start": "2026-11-20T11:00:00+08:00",
                "appointment_end": "2026-11-20T12:00:00+08:00",
            },
        ),
        ("arrive", tech, {}),
    ]:
        response = client.post(f"{ORDERS}{order_id}/{action}/", body, format="json")
        assert response.status_code == 200, (action, response.json())
    clock.move_to(nov(20, 11, 30))
    response = tech.post(
        f"{ORDERS}{order_id}/complete/", {"resolution": "onsite"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return order_id


def test_a_locked_run_is_unchanged_after_new_orders_complete(
    manager, crm, dispatcher, tech1, clock
):
    # given: the current month computed mid-month and locked
    clock.move_to(nov(20, 10))
    set_base("T1", "2")
    make_order("T1", completed_at=nov(3))
    make_order("T1", completed_at=nov(4))
    run = locked_run(manager)
    before = snapshot(manager, run["id"])
    assert before["lines"]["T1"]["piece_wage"] == "33.00"

    # when: another order of T1 completes in the same month
    complete_through_the_api(crm, dispatcher, tech1, clock, "CRM-LATE-1")

    # then: the locked run shows exactly what it showed
    assert snapshot(manager, run["id"]) == before
    # and a recomputation is a new version that has the order, with a diff
    second = create_run(manager)
    assert second["version"] == 2
    # (a same-day install completed in time: 30 × 1.2 × 1.1 = 39.60)
    assert lines_by_code(manager, second["id"])["T1"]["piece_wage"] == "72.60"
    diff = manager.get(f"{RUNS}{second['id']}/diff/?against={run['id']}").json()
    assert [line["technician"] for line in diff["lines"]] == ["T1"]
    assert diff["total_delta"] == "39.60"


def test_the_database_refuses_to_change_a_locked_run(manager):
    set_base("T1", "0")
    make_order("T1", completed_at=nov(3))
    run = locked_run(manager)
    line = PayrollLine.objects.get(run_id=run["id"], technician__code="T1")

    attempts = [
        lambda: PayrollLine.objects.filter(pk=line.pk).update(total=Decimal("1")),
        lambda: PayrollItem.objects.filter(run_id=run["id"]).update(amount=0),
        lambda: PayrollRun.objects.filter(pk=run["id"]).update(status="draft"),
        lambda: PayrollRun.objects.filter(pk=run["id"]).update(total=0),
        lambda: PayrollLine.objects.bulk_create(
            [
                PayrollLine(
                    **{
                        f.attname: getattr(line, f.attname)
                        for f in PayrollLine._meta.concrete_fields
                        if not f.primary_key
                    }
                    | {"technician_id": line.technician_id}
                )
            ]
        ),
    ]
    if connection.vendor == "postgresql":  # SQLite has no DELETE guard
        attempts += [
            lambda: PayrollLine.objects.filter(pk=line.pk).delete(),
            lambda: PayrollItem.objects.filter(run_id=run["id"]).delete(),
        ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    line.refresh_from_db()
    assert line.total == Decimal("2833.00")
    assert PayrollRun.objects.get(pk=run["id"]).status == "locked"


def test_a_draft_can_be_discarded(manager):
    make_order("T1", completed_at=nov(3))
    run = create_run(manager)
    PayrollRun.objects.get(pk=run["id"]).delete()
    assert not PayrollLine.objects.exists() and not PayrollItem.objects.exists()


# --- a technician's own lines ----------------------------------------------------------


def test_a_technician_sees_only_their_own_published_lines(manager, tech1):
    set_base("T1", "2")
    make_order("T1", completed_at=nov(3))
    make_order("T1", completed_at=nov(4))
    draft = create_run(manager)
    assert tech1.get(f"{MY_LINES}?month=2026-11").json()["count"] == 0  # a draft

    act(manager, draft["id"], "review")
    body = tech1.get(f"{MY_LINES}?month=2026-11").json()
    [line] = body["results"]
    assert (line["technician"], line["month"], line["version"]) == ("T1", "2026-11", 1)
    assert (line["run_status"], line["piece_wage"]) == ("reviewed", "33.00")
    items = tech1.get(f"{MY_LINES}{line['id']}/items/").json()["results"]
    assert [i["paid_hours"] for i in items] == ["0.00", "2.00"]

    other = PayrollLine.objects.get(run_id=draft["id"], technician__code="T2")
    assert tech1.get(f"{MY_LINES}{other.pk}/items/").status_code == 404
    assert tech1.get(f"{RUNS}{draft['id']}/lines/").status_code == 403
    assert tech1.get(f"{MY_LINES}?month=2026-12").json()["count"] == 0
    assert tech1.get(f"{MY_LINES}?month=11-2026").status_code == 400


def test_staff_have_no_my_lines(manager):
    assert manager.get(MY_LINES).status_code == 403


# --- xlsx --------------------------------------------------------------------------------------


def test_xlsx_export_matches_the_json(manager):
    set_base("T1", "2")
    set_base("T2", "1")
    for code in ("T1", "T2", "T1"):
        make_order(code, completed_at=nov(3, 18, 30))
    run = create_run(manager)
    lines = lines_by_code(manager, run["id"])

    response = manager.get(f"{RUNS}{run['id']}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "payroll-2026-11-v1.xlsx" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["计件工资", "外包结算", "核算信息"]
    rows = list(wb["计件工资"].iter_rows(values_only=True))
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header[:2] == ("工号", "姓名") and "应发合计" in header
    column = {name: i for i, name in enumerate(header)}
    fields = {
        "岗位工资": "post_wage",
        "基础工作量(工时)": "base_hours",
        "完成工时": "worked_hours",
        "计件工资": "piece_wage",
        "奖励": "rewards",
        "扣罚": "penalties",
        "应发合计": "total",
    }
    assert [row[0] for row in body] == sorted(lines)
    for row in body:
        line = lines[row[0]]
        for title, field in fields.items():
            assert Decimal(str(row[column[title]])).quantize(Decimal("0.01")) == (
                Decimal(line[field])
            ), (row[0], field)
        assert row[column["质量等级"]] == line["grade"]
    assert totals[0] == "合计" and totals[1] == "3人"
    assert Decimal(str(totals[column["应发合计"]])) == Decimal(run["total"])
    assert Decimal(str(totals[column["计件工资"]])) == Decimal(run["piece_wage"])

    vendor_rows = list(wb["外包结算"].iter_rows(values_only=True))
    assert vendor_rows[1][:3] == ("V1", "某通服公司", 1)
    assert Decimal(str(vendor_rows[1][-1])) == Decimal(lines["T2"]["total"])
    assert vendor_rows[-1][0] == "合计"


def test_export_of_an_unknown_run_is_a_json_404(manager):
    response = manager.get(f"{RUNS}999999/export/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."} or "detail" in response.json()
