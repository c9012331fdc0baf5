"""Pure ranking and rota rules (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from dispatch import rules

W = rules.Weights(
    owner_bonus=Decimal("100"), per_km=Decimal("2"), per_hour=Decimal("5")
)
ORDER = rules.OrderFacts(
    id=1,
    group_id=1,
    package_area_id=10,
    product="ftth_broadband",
    position=(34.60, 119.22),
    work_hours=Decimal("2"),
)


def tech(code, **kw):
    base = dict(
        id=hash(code) % 10_000,
        code=code,
        name=code,
        group_id=1,
        role="technician",
        skills=frozenset({"ftth_broadband"}),
        home_package_area_id=11,
        position=(34.60, 119.22),
        capacity=8,
        open_orders=0,
        workload_hours=Decimal("0"),
        after_hours=False,
        on_duty=True,
    )
    base.update(kw)
    return rules.Tech(**base)


def codes(ranked):
    return [r.tech.code for r in ranked]


def test_haversine_known_distance():
    # Lianyungang Xinpu → Haizhou, about 6.0 km apart
    assert rules.haversine_km(34.60, 119.22, 34.57, 119.16) == pytest.approx(
        6.5, abs=0.3
    )
    assert rules.haversine_km(34.6, 119.2, 34.6, 119.2) == 0


def test_owner_of_the_package_area_comes_first_even_if_farther():
    owner = tech("OWN", home_package_area_id=10, position=(34.65, 119.22))  # ~5.6 km
    near = tech("NEAR", position=(34.60, 119.22))
    ranked, _ = rules.rank([near, owner], ORDER, W, working_hours=True)
    assert codes(ranked) == ["OWN", "NEAR"]
    assert ranked[0].reasons["package_area_owner"] is True
    assert ranked[0].reasons["distance_km"] == pytest.approx(5.56, abs=0.05)


def test_nearest_wins_among_non_owners():
    far = tech("FAR", position=(34.70, 119.22))
    near = tech("NEAR", position=(34.61, 119.22))
    ranked, _ = rules.rank([far, near], ORDER, W, working_hours=True)
    assert codes(ranked) == ["NEAR", "FAR"]


def test_lower_workload_wins_at_equal_distance():
    busy = tech("BUSY", workload_hours=Decimal("6"))
    idle = tech("IDLE", workload_hours=Decimal("1"))
    ranked, _ = rules.rank([busy, idle], ORDER, W, working_hours=True)
    assert codes(ranked) == ["IDLE", "BUSY"]
    assert ranked[0].score - ranked[1].score == Decimal("25.00")


def test_weights_are_what_decides():
    heavy_distance = rules.Weights(Decimal("0"), Decimal("50"), Decimal("1"))
    owner_far = tech("OWN", home_package_area_id=10, position=(34.65, 119.22))
    near = tech("NEAR")
    ranked, _ = rules.rank([owner_far, near], ORDER, heavy_distance, working_hours=True)
    assert codes(ranked) == ["NEAR", "OWN"]


@pytest.mark.parametrize(
    ("overrides", "working", "why"),
    [
        ({"on_duty": False, "unavailable_reason": "轮休"}, True, "轮休"),
        ({"skills": frozenset({"itv_hd"})}, True, "无该产品技能"),
        ({"open_orders": 8}, True, "在途工单已满(8/8)"),
        ({"after_hours": False}, False, "非工作时间且未选择延时服务"),
    ],
)
def test_hard_filters(overrides, working, why):
    ranked, refused = rules.rank(
        [tech("X", **overrides)], ORDER, W, working_hours=working
    )
    assert ranked == [] and refused == {"X": why}


def test_one_below_capacity_is_still_eligible():
    ranked, _ = rules.rank([tech("X", open_orders=7)], ORDER, W, working_hours=True)
    assert codes(ranked) == ["X"]


def test_after_hours_volunteers_are_eligible_after_18():
    ranked, _ = rules.rank([tech("X", after_hours=True)], ORDER, W, working_hours=False)
    assert codes(ranked) == ["X"]


@pytest.mark.parametrize(
    ("clock", "inside"),
    [
        (dt.time(7, 59, 59), False),
        (dt.time(8, 0), True),
        (dt.time(17, 59, 59), True),
        (dt.time(18, 0), False),
    ],
)
def test_working_hours_edges(clock, inside):
    now = dt.datetime.combine(dt.date(2026, 11, 20), clock)
    assert rules.in_working_hours(now, dt.time(8), dt.time(18)) is inside


def test_own_group_before_area_support_on_a_tie():
    support = tech("A-SUP", group_id=2, role="support")
    own = tech("Z-OWN")
    ranked, _ = rules.rank([support, own], ORDER, W, working_hours=True)
    assert codes(ranked) == ["Z-OWN", "A-SUP"]


def test_queue_key_puts_vip_and_same_day_first_then_deadline_then_entry():
    t = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    orders = [
        ("late-normal", rules.queue_key(1, t, t, 1)),
        ("vip-later-deadline", rules.queue_key(0, t + dt.timedelta(hours=5), t, 2)),
        ("vip-early", rules.queue_key(0, t + dt.timedelta(hours=1), t, 3)),
        (
            "vip-early-entered-first",
            rules.queue_key(0, t + dt.timedelta(hours=1), t - dt.timedelta(hours=1), 4),
        ),
    ]
    assert [name for name, key in sorted(orders, key=lambda o: o[1])] == [
        "vip-early-entered-first",
        "vip-early",
        "vip-later-deadline",
        "late-normal",
    ]


def test_no_candidate_reason_summarises():
    why = rules.no_candidate_reason({"A": "轮休", "B": "轮休", "C": "无该产品技能"})
    assert why == "轮休×2；无该产品技能×1"


MONDAY = dt.date(2026, 11, 16)


@pytest.mark.parametrize("size", [4, 5, 6, 7])
def test_rota_gives_everyone_one_rest_day_and_at_most_one_per_day(size):
    codes_ = [f"T{i}" for i in range(size)]
    plan = rules.rota_generate(codes_, MONDAY, {})
    assert set(plan) == set(codes_)
    assert all(MONDAY <= d < MONDAY + dt.timedelta(days=7) for d in plan.values())
    assert len(set(plan.values())) == size  # nobody shares a rest day
    entries = {c: {d: "rest"} for c, d in plan.items()}
    assert rules.rota_violations(codes_, MONDAY, entries) == []


def test_rota_avoids_days_with_leave():
    leave_day = MONDAY + dt.timedelta(days=2)
    plan = rules.rota_generate(["A", "B", "C", "D"], MONDAY, {"A": {leave_day}})
    assert plan["A"] != leave_day
    assert leave_day not in plan.values()  # A is already absent that day


def test_rota_rotates_between_weeks():
    one = rules.rota_generate(["A", "B"], MONDAY, {}, offset=1)
    two = rules.rota_generate(["A", "B"], MONDAY, {}, offset=2)
    assert one["A"] != two["A"]


def test_rota_violations():
    entries = {"A": {MONDAY: "rest"}, "B": {MONDAY: "rest"}, "C": {}}
    problems = rules.rota_violations(["A", "B", "C"], MONDAY, entries)
    assert "C 本周没有轮休日" in problems
    assert any("11-16 轮休2人" in p for p in problems)


def test_unknown_position_ranks_behind_a_known_near_one():
    unknown = tech("A-UNKNOWN", position=None)
    known = tech("B-KNOWN", position=(34.65, 119.22))  # ~5.6 km
    ranked, _ = rules.rank([unknown, known], ORDER, W, working_hours=True)
    assert codes(ranked) == ["B-KNOWN", "A-UNKNOWN"]
    assert ranked[1].reasons["distance_km"] is None


# --- making room: every order that can be assigned is ---------------------------


def _room(order_id, able, placed, dead=None):
    return rules.make_room(
        order_id,
        lambda o: able.get(o, []),
        placed,
        dead=set() if dead is None else dead,
    )


def test_a_full_technician_takes_the_order_when_his_earlier_one_can_move():
    # S (support, the only FTTB holder) took order 1, which T could also do;
    # order 2 needs S.
    s = tech("S", id=1, capacity=1, open_orders=1)
    t = tech("T", id=2, capacity=1, open_orders=0)
    moves = _room(2, {1: [s, t], 2: [s]}, {1: s})
    assert [(o, x.code) for o, x in moves] == [(1, "T"), (2, "S")]


def test_a_chain_of_moves_is_found():
    a = tech("A", id=1, capacity=1, open_orders=1)
    b = tech("B", id=2, capacity=1, open_orders=1)
    c = tech("C", id=3, capacity=1, open_orders=0)
    able = {3: [a], 1: [a, b], 2: [b, c]}
    moves = _room(3, able, {1: a, 2: b})
    assert [(o, x.code) for o, x in moves] == [(2, "C"), (1, "B"), (3, "A")]


def test_orders_placed_before_the_pass_never_move():
    # A is full with orders from earlier passes (none placed in this one).
    a = tech("A", id=1, capacity=2, open_orders=2)
    assert _room(5, {5: [a]}, {}) is None


def test_hopeless_technicians_are_remembered_until_something_moves():
    a = tech("A", id=1, capacity=1, open_orders=1)
    b = tech("B", id=2, capacity=1, open_orders=1)
    able = {1: [a, b], 2: [b], 3: [a], 4: [a, b]}
    dead = set()
    assert _room(3, able, {1: a, 2: b}, dead) is None
    assert dead == {1, 2}
    calls = []

    def spy(o):
        calls.append(o)
        return able.get(o, [])

    assert rules.make_room(4, spy, {1: a, 2: b}, dead=dead) is None
    assert calls == [4]  # both choices known hopeless: no search behind them


def test_the_order_itself_is_not_moved_out_of_its_own_way():
    a = tech("A", id=1, capacity=1, open_orders=1)
    assert _room(1, {1: [a]}, {1: a}) is None


@pytest.mark.django_db
def test_the_default_policy_weighs_an_hour_of_work_like_half_a_kilometre():
    from dispatch.models import DispatchPolicy
    from dispatch.selectors import dispatch_policy, weights_of

    weights = weights_of(dispatch_policy())
    assert DispatchPolicy.objects.count() == 1
    assert (weights.per_km, weights.per_hour) == (Decimal("2"), Decimal("1"))
    # nearest first, then least loaded: 1 km closer beats 1.5 h less work
    near_busy = tech("NB", position=(34.60, 119.22), workload_hours=Decimal("1.5"))
    far_idle = tech("FI", position=(34.609, 119.22))  # ~1 km away
    ranked, _ = rules.rank([far_idle, near_busy], ORDER, weights, working_hours=True)
    assert codes(ranked) == ["NB", "FI"]


WEEK = [MONDAY + dt.timedelta(days=i) for i in range(7)]


@pytest.mark.parametrize(
    ("size", "away"),
    [
        (0, {}),  # an empty group
        (1, {}),
        (9, {}),  # more than seven: two a day at most
        (14, {}),
        (3, {"T0": set(WEEK)}),  # on leave all week
        (3, {"T0": set(WEEK), "T1": set(WEEK[:6])}),  # one day left to rest
        (2, {"T0": set(WEEK), "T1": set(WEEK)}),  # nobody works
    ],
)
def test_any_group_shape_gets_a_rota_and_its_violations(size, away):
    codes_ = [f"T{i}" for i in range(size)]
    plan = rules.rota_generate(codes_, MONDAY, away)
    for code in codes_:
        if away.get(code) == set(WEEK):
            assert code not in plan  # nothing to rest from
        else:
            assert plan[code] not in away.get(code, set())
    entries = {c: {d: "leave" for d in away.get(c, ())} for c in codes_}
    for code, day in plan.items():
        entries[code][day] = "rest"
    assert rules.rota_violations(codes_, MONDAY, entries) == []


def test_a_week_fully_on_leave_is_no_violation_but_six_days_without_rest_is():
    entries = {
        "A": {d: "leave" for d in WEEK},
        "B": {d: "leave" for d in WEEK[:6]},  # works Sunday, no rest day
    }
    assert rules.rota_violations(["A", "B"], MONDAY, entries) == ["B 本周没有轮休日"]


def test_rest_avoids_a_day_with_open_orders():
    wednesday = WEEK[2]
    plain = rules.rota_generate(["A"], MONDAY, {}, offset=2)
    assert plain["A"] == wednesday  # where the rotation would put it
    plan = rules.rota_generate(["A"], MONDAY, {}, offset=2, busy={"A": {wednesday}})
    assert plan["A"] != wednesday


def test_a_rest_day_with_open_orders_is_a_warning():
    wednesday = WEEK[2]
    entries = {"A": {wednesday: "rest"}, "B": {WEEK[3]: "rest"}}
    problems = rules.rota_violations(
        ["A", "B"], MONDAY, entries, {"A": {wednesday}, "B": {WEEK[4]}}
    )
    assert problems == ["A 11-18 轮休，但当天有未完成的工单"]
