"""Payroll runs through the API: compute, lines, drill-down, versions, diff,
review and lock, vendor settlement, roles, bad input."""

from decimal import Decimal

import pytest

from payroll.models import PayrollItem, PayrollLine, PayrollRun
from tests.conftest import client_for, local_time, make_user

from .conftest import (
    RUNS,
    act,
    callback,
    create_run,
    lines_by_code,
    make_order,
    penalty,
    set_base,
)

pytestmark = pytest.mark.django_db

API_FIELDS = {
    "technician",
    "post_wage",
    "base_hours",
    "worked_hours",
    "piece_wage",
    "rewards",
    "penalties",
    "total",
}


def nov(day, hour=10, minute=0):
    return local_time(2026, 11, day, hour, minute)


@pytest.fixture(autouse=True)
def _clock(clock):
    return clock


def three_installs(code="T1", day=2):
    """Three FTTH installs (2 standard hours, 30 yuan each) on one day."""
    return [make_order(code, completed_at=nov(day, 9 + i)) for i in range(3)]


# --- computing -----------------------------------------------------------------------


def test_run_is_a_draft_with_a_line_per_technician(manager):
    set_base("T1", "4")
    three_installs()

    run = create_run(manager)

    assert (run["month"], run["version"], run["status"]) == ("2026-11", 1, "draft")
    assert run["technicians"] == 3 and run["orders"] == 3
    assert run["rates"]["same_day_coefficient"] == "1.20"
    lines = lines_by_code(manager, run["id"])
    assert set(lines) == {"T1", "T2", "T3"}
    t1 = lines["T1"]
    assert API_FIELDS <= set(t1)
    # 4 h base filled by the first two installs; the third: 30 × grade A 1.10
    assert {k: t1[k] for k in API_FIELDS} == {
        "technician": "T1",
        "post_wage": "2800.00",
        "base_hours": "4.00",
        "worked_hours": "6.00",
        "piece_wage": "33.00",
        "rewards": "0.00",
        "penalties": "0.00",
        "total": "2833.00",
    }
    assert (t1["grade"], t1["orders"], t1["paid_orders"]) == ("A", 3, 1)
    # no orders: the post wage of the level (T2 is level 4)
    assert lines["T2"]["total"] == "3100.00"
    assert lines["T2"]["worked_hours"] == "0.00"
    assert run["total"] == str(sum(Decimal(line["total"]) for line in lines.values()))


@pytest.mark.parametrize(
    ("base", "piece_wage", "paid_hours"),
    [
        ("6", "0.00", "0.00"),  # exactly at base
        ("4", "33.00", "2.00"),  # one order over
        ("5", "16.50", "1.00"),  # the third order straddles: half of it
        ("0", "99.00", "6.00"),  # no base
        ("7", "0.00", "0.00"),  # base not reached
    ],
)
def test_base_workload_edge_through_a_run(manager, base, piece_wage, paid_hours):
    set_base("T1", base)
    three_installs()
    line = lines_by_code(manager, create_run(manager)["id"])["T1"]
    assert (line["piece_wage"], line["paid_hours"]) == (piece_wage, paid_hours)


def test_drill_down_shows_each_order_and_its_coefficients(manager):
    set_base("T1", "3")
    first = make_order("T1", completed_at=nov(2, 9))
    same_day = make_order(
        "T1",
        completed_at=nov(2, 18, 30),  # after 18:00, within its deadline
        is_same_day=True,
        deadline=nov(2, 23, 59),
    )
    run = create_run(manager)
    line = lines_by_code(manager, run["id"])["T1"]
    response = manager.get(f"{RUNS}{run['id']}/lines/{line['id']}/items/")
    assert response.status_code == 200
    items = response.json()["results"]
    assert [(i["seq"], i["number"]) for i in items] == [
        (1, first.number),
        (2, same_day.number),
    ]
    assert items[0] | {} == items[0]  # plain dicts
    assert (items[0]["hours_before"], items[0]["paid_hours"], items[0]["amount"]) == (
        "0.00",
        "0.00",
        "0.000000",
    )
    second = items[1]
    assert (second["same_day"], second["after_hours"]) == (True, True)
    assert (
        second["unit_price"],
        second["difficulty"],
        second["same_day_coefficient"],
        second["after_hours_coefficient"],
        second["grade_coefficient"],
    ) == ("30.00", "1.00", "1.20", "1.30", "1.10")
    # 2 h order, 2 h done, base 3: 1 h beyond → half of 30 × 1.2 × 1.3 × 1.1
    assert (second["hours_before"], second["paid_hours"]) == ("2.00", "1.00")
    assert second["amount"] == "25.740000"
    assert line["piece_wage"] == "25.74"


def test_late_same_day_order_earns_no_same_day_coefficient(manager):
    set_base("T1", "0")
    make_order("T1", completed_at=nov(3, 10), is_same_day=True, deadline=nov(2, 23, 59))
    assert lines_by_code(manager, create_run(manager)["id"])["T1"]["piece_wage"] == (
        "33.00"  # 30 × 1.10, no × 1.20
    )


def test_only_completed_on_site_orders_of_the_month_count(manager):
    set_base("T1", "0")
    counted = make_order("T1", completed_at=nov(30, 23, 59))
    make_order("T1", completed_at=local_time(2026, 10, 31, 23, 59))  # October
    make_order("T1", completed_at=local_time(2026, 12, 1, 0, 0))  # December
    make_order("T1", completed_at=nov(5), kind="repair", resolution="remote")
    make_order("T1", completed_at=None, status="on_site")
    closed = make_order("T1", completed_at=nov(6), status="closed")
    make_order(None, completed_at=nov(7), kind="repair", resolution="remote")

    run = create_run(manager)
    line = lines_by_code(manager, run["id"])["T1"]
    items = manager.get(f"{RUNS}{run['id']}/lines/{line['id']}/items/").json()
    assert {i["number"] for i in items["results"]} == {counted.number, closed.number}
    assert line["orders"] == 2


def test_missing_work_hours_fall_back_to_the_dispatch_default(manager):
    from dispatch.models import WorkHourStandard

    WorkHourStandard.objects.filter(kind="install", product="ftth_broadband").delete()
    set_base("T1", "1")
    three_installs()  # 1.00 h each now (DispatchPolicy.default_work_hours)
    line = lines_by_code(manager, create_run(manager)["id"])["T1"]
    assert (line["worked_hours"], line["paid_hours"], line["piece_wage"]) == (
        "3.00",
        "2.00",
        "66.00",
    )


def test_rates_are_read_from_the_tables(manager):
    from payroll.models import PayrollPolicy, PieceRate

    PieceRate.objects.filter(kind="install", product="ftth_broadband").update(
        unit_price=Decimal("40.00"), difficulty=Decimal("1.50")
    )
    PayrollPolicy.objects.update(after_hours_coefficient=Decimal("2.00"))
    set_base("T1", "0")
    make_order("T1", completed_at=nov(2, 20))
    line = lines_by_code(manager, create_run(manager)["id"])["T1"]
    assert line["piece_wage"] == "132.00"  # 40 × 1.5 × 2.0 × 1.1


# --- quality grade, rewards and penalties -----------------------------------------------


def test_grade_rewards_and_penalties_from_callbacks_complaints_and_assessments(
    manager,
):
    set_base("T1", "0")
    orders = three_installs()
    callback(orders[0], satisfied=True)
    callback(orders[1], satisfied=False)  # 50 % satisfied → grade D (0.80)
    penalty("T1", "50.00")
    penalty("T1", "20.00", published=False)  # a draft does not count
    penalty("T1", "30.00", month="2026-12")  # another month
    response = manager.post(
        "/api/v1/payroll/adjustments/",
        {
            "technician": "T1",
            "month": "2026-11",
            "kind": "reward",
            "amount": "100",
            "reason": "表扬",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    manager.post(
        "/api/v1/payroll/adjustments/",
        {
            "technician": "T1",
            "month": "2026-11",
            "kind": "penalty",
            "amount": "10.5",
            "reason": "不服从调度",
        },
        format="json",
    )

    line = lines_by_code(manager, create_run(manager)["id"])["T1"]

    assert (line["grade"], line["grade_coefficient"]) == ("D", "0.80")
    assert (line["callbacks"], line["satisfied"], line["satisfaction_rate"]) == (
        2,
        1,
        "0.5000",
    )
    assert line["complaints"] == 1
    assert line["piece_wage"] == "72.00"  # 3 × 30 × 0.80
    assert (line["rewards"], line["penalties"]) == ("100.00", "60.50")
    assert line["total"] == "2911.50"  # 2800 + 72 + 100 − 60.50


def test_repeat_fault_is_on_the_technician_of_the_previous_repair(manager):
    set_base("T1", "0")
    first = make_order("T1", completed_at=nov(2), kind="repair", phone="13911112222")
    make_order(
        "T3",
        completed_at=nov(12),
        accepted_at=nov(10),
        kind="repair",
        phone="13911112222",
        is_repeat_fault=True,
    )
    lines = lines_by_code(manager, create_run(manager)["id"])
    assert (lines["T1"]["repairs"], lines["T1"]["repeat_faults"]) == (1, 1)
    assert lines["T1"]["repeat_rate"] == "1.0000"
    assert lines["T1"]["grade"] == "D"
    # the technician who fixed it again is not blamed for it
    assert (lines["T3"]["repairs"], lines["T3"]["repeat_faults"]) == (1, 0)
    assert lines["T3"]["grade"] == "A"
    assert first.pk


def test_grade_thresholds_are_configurable(manager):
    from payroll.models import QualityGrade

    QualityGrade.objects.filter(code="A").update(max_complaints=1)
    penalty("T1", "10.00")
    assert lines_by_code(manager, create_run(manager)["id"])["T1"]["grade"] == "A"


def test_customer_compensation_never_changes_pay(manager):
    from django.utils import timezone

    from compensation.models import Claim

    set_base("T1", "0")
    orders = three_installs()
    first = create_run(manager)

    for order in orders:
        Claim.objects.create(
            work_order=order,
            kind="same_day_install",
            status="paid",
            deadline=order.deadline,
            completed_at=order.completed_at,
            days_late=1,
            amount=Decimal("20.00"),
            delay_cause="installer",
            liable_party="branch",
            technician=order.technician,
            district=order.district,
            phone="13900000000",
            pay_by=order.completed_at,
            paid_at=order.completed_at,
            created_at=timezone.now(),
        )
    second = create_run(manager)

    def without_ids(run):
        return {
            code: {k: v for k, v in line.items() if k != "id"}
            for code, line in lines_by_code(manager, run["id"]).items()
        }

    assert without_ids(second) == without_ids(first)
    assert without_ids(first)["T1"]["penalties"] == "0.00"
    diff = manager.get(f"{RUNS}{second['id']}/diff/?against={first['id']}")
    assert diff.json()["changed"] == 0


def test_payroll_code_never_imports_compensation():
    """Customer compensation is never deducted from pay: payroll does not
    even read it (seed 002 §四(九)2)."""
    import ast
    from pathlib import Path

    import payroll

    for path in Path(payroll.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "compensation" for n in names), path


# --- versions, review, lock ----------------------------------------------------------------


def test_review_then_lock(manager, finance):
    run = create_run(manager)
    reviewed = act(finance, run["id"], "review")
    assert (reviewed["status"], reviewed["reviewed_by"]) == ("reviewed", "fin1")
    locked = act(manager, run["id"], "lock")
    assert (locked["status"], locked["locked_by"]) == ("locked", "mgr1")
    assert locked["locked_at"] == "2026-12-03T10:00:00+08:00"


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "lock"),  # a draft must be reviewed first
        (["review"], "review"),
        (["review", "lock"], "lock"),
        (["review", "lock"], "review"),
    ],
)
def test_illegal_steps_are_409_invalid_transition(manager, steps, action):
    run = create_run(manager)
    for step in steps:
        act(manager, run["id"], step)
    body = act(manager, run["id"], action, expect=409)
    assert body["code"] == "invalid_transition"
    expected = {"review": "reviewed", "lock": "locked"}[steps[-1]] if steps else "draft"
    assert PayrollRun.objects.get(pk=run["id"]).status == expected


def test_recomputing_makes_a_new_version_and_a_diff(manager, clock):
    set_base("T1", "4")
    three_installs()
    first = create_run(manager)
    make_order("T1", completed_at=nov(20))  # completed later, e.g. recorded late
    make_order("T3", completed_at=nov(21), kind="repair")
    second = create_run(manager)

    assert (second["version"], first["version"]) == (2, 1)
    listed = manager.get(f"{RUNS}?month=2026-11").json()
    assert [r["version"] for r in listed["results"]] == [2, 1]

    diff = manager.get(f"{RUNS}{second['id']}/diff/?against={first['id']}").json()
    assert (diff["version"], diff["against_version"], diff["changed"]) == (2, 1, 2)
    t1 = next(line for line in diff["lines"] if line["technician"] == "T1")
    changes = {c["field"]: c for c in t1["changes"]}
    assert changes["piece_wage"] == {
        "field": "piece_wage",
        "run": "66.00",
        "against": "33.00",
        "delta": "33.00",
    }
    assert changes["orders"]["delta"] == "1"
    assert set(changes) == {
        "worked_hours",
        "paid_hours",
        "orders",
        "piece_wage",
        "total",
    }
    assert Decimal(diff["total_delta"]) == Decimal(second["total"]) - Decimal(
        first["total"]
    )


def test_only_one_version_of_a_month_can_be_locked(manager):
    first = create_run(manager)
    act(manager, first["id"], "review")
    act(manager, first["id"], "lock")
    second = create_run(manager)
    act(manager, second["id"], "review")
    body = act(manager, second["id"], "lock", expect=409)
    assert body["code"] == "month_locked"
    assert PayrollRun.objects.get(pk=second["id"]).status == "reviewed"


def test_diff_needs_a_run_to_compare_with(manager):
    run = create_run(manager)
    for query, status in [("", 400), ("?against=abc", 400), ("?against=999999", 400)]:
        response = manager.get(f"{RUNS}{run['id']}/diff/{query}")
        assert response.status_code == status
        assert "against" in response.json()


# --- vendor settlement --------------------------------------------------------------------------


def test_vendor_settlement_sums_the_vendor_technicians_lines(manager):
    set_base("T2", "2")
    three_installs("T2")
    run = create_run(manager)
    t2 = lines_by_code(manager, run["id"])["T2"]
    body = manager.get(f"{RUNS}{run['id']}/vendors/").json()
    assert body["run"] == run["id"]
    [v1] = body["vendors"]
    assert (v1["vendor"], v1["name"], v1["technicians"], v1["orders"]) == (
        "V1",
        "某通服公司",
        1,
        3,
    )
    assert (v1["piece_wage"], v1["total"]) == (t2["piece_wage"], t2["total"])
    assert t2["piece_wage"] == "66.00"


# --- roles and input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["technician", "dispatcher", "supervisor", "crm", "hotline_agent"]
)
def test_only_manager_and_finance_use_runs(org, role, manager):
    client = client_for(make_user("someone", role))
    assert client.post(RUNS, {"month": "2026-11"}, format="json").status_code == 403
    run = create_run(manager)
    assert client.get(RUNS).status_code == 403
    assert client.get(f"{RUNS}{run['id']}/lines/").status_code == 403
    assert client.post(f"{RUNS}{run['id']}/review/").status_code == 403


def test_finance_computes_reviews_and_locks(finance):
    run = create_run(finance)
    act(finance, run["id"], "review")
    assert act(finance, run["id"], "lock")["status"] == "locked"


def test_a_district_scoped_manager_sees_its_district_and_cannot_compute(org, manager):
    scoped = client_for(make_user("mgr_d2", "manager", district="D2"))
    assert scoped.post(RUNS, {"month": "2026-11"}, format="json").status_code == 403
    run = create_run(manager)
    assert set(lines_by_code(scoped, run["id"])) == {"T3"}  # T3 is in D2
    assert scoped.post(f"{RUNS}{run['id']}/review/").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"month": "2026-13"},
        {"month": "2026-1"},
        {"month": "November"},
        {"month": ""},
        {"month": 202611},
        {"month": "2027-01"},  # the future
        {},
    ],
)
def test_bad_month_is_400_naming_month_and_writes_nothing(manager, body):
    response = manager.post(RUNS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["month"]
    assert not PayrollRun.objects.exists()
    assert not PayrollLine.objects.exists() and not PayrollItem.objects.exists()


def test_bad_month_filter_is_400(manager):
    assert manager.get(f"{RUNS}?month=2026-13").status_code == 400


def test_adjustments_need_a_manager_and_good_input(manager, finance):
    body = {
        "technician": "T1",
        "month": "2026-11",
        "kind": "reward",
        "amount": "10.00",
        "reason": "好评",
    }
    assert (
        finance.post("/api/v1/payroll/adjustments/", body, format="json").status_code
        == 403
    )
    for bad in [
        {"month": "2026-13"},
        {"amount": "0"},
        {"technician": "NOPE"},
        {"kind": "bonus"},
        {"amount": "1.005"},
    ]:
        response = manager.post(
            "/api/v1/payroll/adjustments/", body | bad, format="json"
        )
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), bad
    assert (
        finance.get("/api/v1/payroll/adjustments/?month=2026-11").json()["count"] == 0
    )
