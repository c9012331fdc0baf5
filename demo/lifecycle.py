"""The planned lifecycle of one demo order (pure, no database)."""

from __future__ import annotations

from datetime import timedelta

from workorders import rules

from .clock import (
    _at,
    _km,
    _minutes,
    _round_to,
    _working,
)
from .constants import (
    CANCEL_REASONS,
    CANCEL_SHARE,
    FIRST_RESPONSE_OK,
    ONSITE_NOTES,
    REASSIGN_SHARE,
    REMOTE_NOTES,
    REMOTE_SHARE,
)


class LifecycleMixin:
    """``_Planner.lifecycle``: every step one order goes through."""

    def lifecycle(self, order: dict, package: dict, intake: rules.Intake) -> list[dict]:
        """Every step the order will go through, each with the fields it sets."""
        rng = self.rng
        t0, kind, product = order["accepted_at"], order["kind"], order["product"]
        events: list[dict] = []
        deadline = intake.deadline

        if kind == "repair" and rng.random() < REMOTE_SHARE[product]:
            agent = self.support(package)
            done = _working(t0 + _minutes(rng.uniform(6, 75)), rng, 8, 22)
            cause = evidence = ""
            if done > deadline:
                cause, evidence = self.late_cause(t0)
            note = rng.choice(REMOTE_NOTES)
            events.append(
                self.event(
                    done,
                    "status",
                    agent,
                    rules.PENDING,
                    rules.COMPLETED,
                    f"远程处理(预处理)：{note}",
                    {
                        "resolution": "remote",
                        "delay_cause": cause or None,
                        "evidence": evidence,
                    },
                    {
                        "completed_at": done,
                        "resolution": "remote",
                        "delay_cause": cause,
                        "completion_evidence": evidence,
                        "completion_note": note,
                    },
                )
            )
            return events

        # dispatch: at once in the day, to after-hours people 18-20, else next morning
        evening = 18 <= t0.hour < 20
        tech = self.pick_technician(package, product, evening) if evening else None
        if 8 <= t0.hour < 18 or (evening and tech is not None):
            td = t0 + _minutes(rng.uniform(1, 12))
        else:  # night, or no after-hours people: the next morning's first round
            td = _working(t0, rng, start=8, end=9)
            evening = False
        if tech is None:
            tech = self.pick_technician(package, product, False)
        if tech is None:
            return events  # nobody can take it (无人可派): stays pending

        def dispatch(at, who, previous, reason):
            home = self.package.get(who["home_package_area"]) or {}
            return self.event(
                at,
                "dispatch",
                None,
                rules.PENDING if previous is None else rules.DISPATCHED,
                rules.DISPATCHED,
                reason,
                {
                    "technician": who["code"],
                    "technician_name": who["name"],
                    "previous_technician": previous,
                    "reasons": {
                        "engine": "rolling",
                        "package_owner": who["home_package_area"] == package["code"],
                        "distance_km": _km(
                            home.get("lat"), home.get("lng"), order["lat"], order["lng"]
                        ),
                        "workload_hours": round(rng.uniform(0, 6), 1),
                    },
                },
                {
                    "technician": who["code"],
                    "dispatched_at": at,
                    "first_response_due": at + self.first_response,
                    "first_contact_at": None,
                },
            )

        events.append(dispatch(td, tech, None, "滚动派单"))
        if rng.random() < REASSIGN_SHARE:
            other = self.pick_technician(
                package, product, evening, exclude=tech["code"]
            )
            if other is not None:
                td = td + _minutes(rng.uniform(8, 40))
                events.append(
                    dispatch(
                        td, other, tech["code"], "提前升级：原工程师无法按时上门，改派"
                    )
                )
                tech = other

        ta = td + _minutes(rng.uniform(1, 20))
        if rng.random() < FIRST_RESPONSE_OK:
            tc = td + _minutes(rng.uniform(4, 29))
        else:
            tc = td + _minutes(rng.uniform(31, 140))
        tc = max(tc, ta + _minutes(rng.uniform(1, 5)))

        same_day_now = intake.is_same_day and deadline.date() == t0.date()
        if kind == "repair":
            if tc.hour < 18:
                start = _round_to(tc + _minutes(rng.uniform(20, 120)), 10)
            else:
                start = _at(
                    tc.date() + timedelta(days=1),
                    8,
                    30 + rng.choice((0, 30, 60, 90, 120)),
                )
            end = start + timedelta(
                hours=1 if order["customer"]["level"] != "ordinary" else 2
            )
        elif same_day_now or (tc.hour < 14 and rng.random() < 0.3):
            start = _round_to(tc + _minutes(rng.uniform(40, 180)), 30)
            if start.hour >= 19:
                start = _round_to(tc + _minutes(30), 10)
            end = start + timedelta(hours=2)
        else:
            offset = rng.choice((1, 1, 1, 2, 2))
            start = _at(tc.date() + timedelta(days=offset), rng.choice((9, 11, 14, 16)))
            end = start + timedelta(hours=2)
        start = max(start, tc + _minutes(15))
        end = max(end, start + timedelta(hours=1))
        if intake.follows_appointment:
            deadline = end
        arrive = max(start + _minutes(rng.uniform(-20, 30)), tc + _minutes(10))
        work = (20, 120) if kind == "repair" else (50, 180)
        done = arrive + _minutes(rng.uniform(*work))

        cause = evidence = ""
        storm = self.storm_day is not None and t0.date() == self.storm_day
        p_late = (
            0.25
            if storm and kind == "repair"
            else (0.04 if intake.is_same_day else 0.03)
        )
        if rng.random() < p_late:
            done = max(
                done,
                _working(deadline + _minutes(rng.uniform(20, 20 * 60)), rng, 8, 21),
            )
            cause, evidence = self.late_cause(t0)
            if cause == "installer" and done - arrive > timedelta(hours=4):
                arrive = max(done - _minutes(rng.uniform(40, 150)), tc + _minutes(10))
        elif done > deadline:
            if arrive + _minutes(20) < deadline:
                done = arrive + _minutes(
                    rng.uniform(15, (deadline - arrive).total_seconds() / 60 - 2)
                )
            else:
                cause, evidence = self.late_cause(t0)
        if done <= deadline:
            cause = evidence = ""

        contact_fields = {
            "appointment_start": start,
            "appointment_end": end,
            "first_contact_at": tc,
        }
        if intake.follows_appointment:
            contact_fields["deadline"] = end
        note = rng.choice(ONSITE_NOTES[kind])
        events += [
            self.event(
                ta, "status", tech, rules.DISPATCHED, rules.ACCEPTED, "接单", {}, {}
            ),
            self.event(
                tc,
                "status",
                tech,
                rules.ACCEPTED,
                rules.APPOINTED,
                "首次联系并预约",
                {
                    "appointment_start": start.isoformat(),
                    "appointment_end": end.isoformat(),
                },
                contact_fields,
            ),
            self.event(
                arrive,
                "status",
                tech,
                rules.APPOINTED,
                rules.ON_SITE,
                "上门",
                {},
                {"arrived_at": arrive},
            ),
            self.event(
                done,
                "status",
                tech,
                rules.ON_SITE,
                rules.COMPLETED,
                note,
                {
                    "resolution": "onsite",
                    "delay_cause": cause or None,
                    "evidence": evidence,
                },
                {
                    "completed_at": done,
                    "resolution": "onsite",
                    "delay_cause": cause,
                    "completion_evidence": evidence,
                    "completion_note": note,
                },
            ),
        ]
        # strictly increasing times, whatever the draws did
        for prev, ev in zip(events, events[1:], strict=False):
            if ev["at"] <= prev["at"]:
                ev["at"] = prev["at"] + _minutes(1)
                for key in ("arrived_at", "completed_at", "first_contact_at"):
                    if key in ev["_fields"]:
                        ev["_fields"][key] = ev["at"]

        if rng.random() < CANCEL_SHARE[kind]:
            arrive_at = events[-2]["at"]
            last = max(t0 + _minutes(20), arrive_at - _minutes(10))
            tx = t0 + _minutes(rng.uniform(10, (last - t0).total_seconds() / 60))
            tx = min(tx, t0 + timedelta(hours=48))
            kept = [e for e in events if e["at"] < tx]
            src = kept[-1]["to_status"] if kept else rules.PENDING
            reason = rng.choice(CANCEL_REASONS[kind])
            kept.append(
                self.event(
                    tx,
                    "status",
                    None,
                    src,
                    rules.CANCELLED,
                    reason,
                    {},
                    {"cancelled_at": tx, "cancel_reason": reason},
                )
            )
            events = kept
        return events

    # --- the whole period ------------------------------------------------------------
