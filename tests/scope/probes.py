"""The probes of the endpoints and pages that exist today (see registry.py)."""

from __future__ import annotations

from dispatch.models import RotaEntry
from workorders.models import Status, WorkOrder

from .registry import PROBES, Call, custom, listing, obj


def order_action(action_name, data=None, which="dispatched", actor="staff"):
    return obj(
        lambda s, w: Call("post", {"pk": getattr(s, which).pk}, data=data or {}),
        actor=actor,
    )


def order_get(which="pending"):
    return obj(lambda s, w: Call("get", {"pk": getattr(s, which).pk}))


# --- work orders -----------------------------------------------------------------------

PROBES.update(
    {
        "work-order-list": listing(
            lambda s, w: Call(query={"district": s.district.code})
        ),
        "work-order-detail": order_get(),
        "work-order-timeline": order_get(),
        "work-order-accept": order_action("accept", actor="technician"),
        "work-order-arrive": order_action("arrive", actor="technician"),
        "work-order-contact": order_action(
            "contact",
            {
                "appointment_start": "2026-11-20T14:00:00+08:00",
                "appointment_end": "2026-11-20T16:00:00+08:00",
            },
            actor="technician",
        ),
        "work-order-cancel": order_action("cancel", {"reason": "客户撤单"}, "pending"),
        "order-complete": order_action(
            "complete", {"resolution": "onsite"}, actor="technician"
        ),
        "order-dispatch": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.pending.pk},
                data={"technician": s.tech.code, "reason": "范围测试"},
            )
        ),
        "order-candidates": order_get(),
        "order-request-redispatch": order_action(
            "request-redispatch", {"note": "车坏了"}
        ),
        "order-urge": order_action("urge", {"note": "客户催"}, "pending"),
        "order-suspend": order_action(
            "suspend", {"reason": "customer", "note": "客户出差"}
        ),
        "order-resume": order_action("resume"),
        "order-reschedule": order_action(
            "reschedule",
            {
                "appointment_start": "2026-11-23T10:00:00+08:00",
                "appointment_end": "2026-11-23T12:00:00+08:00",
                "customer_confirmed": True,
                "reason": "customer",
            },
        ),
        "order-callback": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.done.pk},
                data={
                    "contact": 5,
                    "punctuality": 5,
                    "skill": 5,
                    "attitude": 5,
                    "satisfied": True,
                },
            )
        ),
        "callbacks-due": listing(
            lambda s, w: Call(), marker=lambda side: side.done.number
        ),
    }
)


# --- dispatch: rota, engine, switches ----------------------------------------------------

WEEK = "2026-11-16"


def _engine_run_stays_home(ctx):
    """Running the engine as a scoped dispatcher dispatches only its district."""
    response = ctx.call("post", {})
    assert response.status_code in (200, 302), response.status_code
    assert WorkOrder.objects.get(pk=ctx.world.foreign.pending.pk).status == (
        Status.PENDING
    )
    assert WorkOrder.objects.get(pk=ctx.world.own.pending.pk).status == (
        Status.DISPATCHED
    )


def _console_rota_stays_home(ctx):
    """Generating a rota from the desk for a foreign group writes nothing."""
    foreign, own = ctx.world.foreign, ctx.world.own
    before = RotaEntry.objects.filter(technician__group=foreign.group).count()
    ctx.call("post", {}, data={"group": foreign.group.pk, "week_start": WEEK})
    assert RotaEntry.objects.filter(technician__group=foreign.group).count() == before
    ctx.call("post", {}, data={"group": own.group.pk, "week_start": WEEK})
    assert RotaEntry.objects.filter(
        technician__group=own.group, note="系统排班"
    ).exists()


PROBES.update(
    {
        "dispatch-run": custom(_engine_run_stays_home),
        "console-auto-dispatch": custom(_engine_run_stays_home),
        "area-auto-dispatch": obj(
            lambda s, w: Call("post", {"code": s.area.code}, data={"enabled": False})
        ),
        "rota": obj(
            lambda s, w: Call(query={"group": s.group.code, "week_start": WEEK}),
            refused=(400,),
        ),
        "rota-generate": obj(
            lambda s, w: Call("post", data={"group": s.group.code, "week_start": WEEK}),
            refused=(400,),
        ),
        "rota-entry": obj(
            lambda s, w: Call(
                "post",
                data={"technician": s.tech.code, "date": "2026-11-19", "kind": "leave"},
            ),
            refused=(400,),
        ),
        "console-rota-generate": custom(_console_rota_stays_home),
    }
)


# --- approvals ----------------------------------------------------------------------------

PROBES.update(
    {
        "approval-list": listing(
            lambda s, w: Call(), marker=lambda side: side.dispatched.number
        ),
        "approval-detail": obj(lambda s, w: Call("get", {"pk": s.approval.pk})),
        "approval-approve": obj(lambda s, w: Call("post", {"pk": s.approval.pk}, {})),
        "approval-reject": obj(
            lambda s, w: Call("post", {"pk": s.approval.pk}, data={"note": "不同意"})
        ),
        "console-approval-decide": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.approval.pk, "decision": "reject"},
                data={"note": "不同意"},
            )
        ),
    }
)


def _liability_is_city_wide(ctx):
    """定责 is computed over a vendor's orders in every district: refused (403)
    to a district-scoped user rather than shown city-wide."""
    response = ctx.call("get", {}, query={"month": "2026-11"})
    assert response.status_code == 403, response.content


def _analysis_counts_own_complaints(ctx):
    """The weekly analysis counts the own district's complaint, not both."""
    response = ctx.call("get", {}, query={"week": WEEK})
    assert response.status_code == 200, response.content
    assert response.json()["total"] == 1


# --- compensation -------------------------------------------------------------------------


def claim_action(name, data=None):
    return obj(lambda s, w: Call("post", {"pk": s.claim.pk}, data=data or {}))


PROBES.update(
    {
        "claim-list": listing(
            lambda s, w: Call(query={"month": "2026-11"}),
            marker=lambda side: side.done.number,
        ),
        "claim-detail": obj(lambda s, w: Call("get", {"pk": s.claim.pk})),
        "claim-approve": claim_action("approve"),
        "claim-pay": claim_action("pay"),
        "claim-reject": claim_action("reject", {"reason": "核实无误"}),
        "claim-revoke-exemption": claim_action(
            "revoke-exemption", {"reason": "客户投诉"}
        ),
        "claim-approve-many": obj(
            lambda s, w: Call("post", data={"ids": [s.claim.pk]}), refused=(400, 404)
        ),
        "claim-liability": custom(_liability_is_city_wide),
        "claim-paid-list": listing(
            lambda s, w: Call(query={"month": "2026-11"}),
            marker=lambda side: side.extra["paid"].number,
        ),
        "compensation-audit": listing(
            lambda s, w: Call(), marker=lambda side: side.done.number
        ),
        "compensation-paid-list": listing(
            lambda s, w: Call(query={"month": "2026-11"}),
            marker=lambda side: side.extra["paid"].number,
        ),
    }
)


# --- complaints and penalties ----------------------------------------------------------------


def complaint_action(data=None):
    return obj(lambda s, w: Call("post", {"pk": s.complaint.pk}, data=data or {}))


PROBES.update(
    {
        "complaint-list": listing(
            lambda s, w: Call(), marker=lambda side: side.complaint.number
        ),
        "complaint-detail": obj(lambda s, w: Call("get", {"pk": s.complaint.pk})),
        "complaint-timeline": obj(lambda s, w: Call("get", {"pk": s.complaint.pk})),
        "complaint-analysis": custom(_analysis_counts_own_complaints),
        "complaint-submit": complaint_action(),
        "complaint-dispatch-to-city": complaint_action(),
        "complaint-assign-department": complaint_action({"department": "装维中心"}),
        "complaint-answer-customer": complaint_action({"answer": "已联系"}),
        "complaint-return-ticket": complaint_action(),
        "complaint-supervise": complaint_action({"note": "督办"}),
        "complaint-callback-customer": complaint_action({"satisfied": True}),
        "complaint-determine-responsibility": complaint_action({"outcome": "no_fault"}),
        "complaint-close": complaint_action({"answer": "已答复客户"}),
        "penalty-list": listing(
            lambda s, w: Call(), marker=lambda side: side.penalty.reason
        ),
        "penalty-detail": obj(lambda s, w: Call("get", {"pk": s.penalty.pk})),
        "penalty-publish": obj(lambda s, w: Call("post", {"pk": s.penalty.pk}, {})),
    }
)


# --- payroll ----------------------------------------------------------------------------------


def _run_is_city_wide(method, path_extra=None):
    """A payroll run is one city-wide document: a scoped user is refused the
    run's city-wide totals and commands (403); its lines are scoped (probed)."""

    def check(ctx):
        kwargs = {"pk": ctx.world.run.pk, **(path_extra or {})}
        response = ctx.call(method, kwargs, data={} if method == "post" else None)
        assert response.status_code == 403, (response.status_code, response.content)

    return custom(check)


PROBES.update(
    {
        "payroll-run-review": _run_is_city_wide("post"),
        "payroll-run-lock": _run_is_city_wide("post"),
        "payroll-run-lines": listing(
            lambda s, w: Call("get", {"pk": w.run.pk}),
            marker=lambda side: side.tech.code,
        ),
        "payroll-run-line-items": obj(
            lambda s, w: Call("get", {"pk": w.run.pk, "line_id": s.line.pk})
        ),
        "payroll-run-export": listing(
            lambda s, w: Call("get", {"pk": w.run.pk}),
            marker=lambda side: side.tech.code,
        ),
        "payroll-adjustment-list": listing(
            lambda s, w: Call(), marker=lambda side: side.adjustment.reason
        ),
        "payroll-adjustment-detail": obj(
            lambda s, w: Call("get", {"pk": s.adjustment.pk})
        ),
    }
)


# --- reports ---------------------------------------------------------------------------------

REPORT = {"period": "month", "date": "2026-11-20", "by": "group"}

PROBES.update(
    {
        "reports-quality": listing(
            lambda s, w: Call(query=REPORT), marker=lambda side: side.group.code
        ),
        "reports-dashboard": listing(
            lambda s, w: Call(query=REPORT), marker=lambda side: side.group.name
        ),
        "reports-orders": listing(
            lambda s, w: Call(
                query={
                    "metric": "orders_received",
                    "period": "month",
                    "date": "2026-11-20",
                }
            ),
            marker=lambda side: side.pending.number,
        ),
        "reports-warnings": listing(
            lambda s, w: Call(), marker=lambda side: side.district.name
        ),
        "reports-stored": listing(
            lambda s, w: Call(),
            marker=lambda side: f"/reports/stored/{side.stored.pk}/xlsx/",
        ),
        "reports-stored-download": obj(lambda s, w: Call("get", {"pk": s.stored.pk})),
    }
)


# --- the console ------------------------------------------------------------------------------

PROBES.update(
    {
        "console-dispatcher": listing(lambda s, w: Call()),
        "console-dispatch-queue": listing(lambda s, w: Call()),
        "console-dispatch-side": listing(
            lambda s, w: Call(), marker=lambda side: side.tech.name
        ),
        "console-dispatch-candidates": order_get(),
        "console-dispatch-assign": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.pending.pk},
                data={"technician": s.tech.code, "reason": "范围测试"},
            )
        ),
        "console-hotline": listing(
            lambda s, w: Call(query={"q": s.pending.customer.phone}),
            marker=lambda side: side.pending.number,
        ),
        "console-hotline-repair": custom(lambda ctx: _hotline_repair_stays_home(ctx)),
        "console-hotline-complaint": custom(
            lambda ctx: _hotline_complaint_stays_home(ctx)
        ),
        "console-hotline-urge": obj(
            lambda s, w: Call("post", {"pk": s.pending.pk}, data={"note": "催"})
        ),
        "console-hotline-callback": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.done.pk},
                data={
                    "contact": 5,
                    "punctuality": 5,
                    "skill": 5,
                    "attitude": 5,
                    "satisfied": "true",
                },
            )
        ),
        "console-technician": listing(
            lambda s, w: Call(),
            marker=lambda side: side.dispatched.number,
            actor="technician",
        ),
        "console-tech-action": obj(
            lambda s, w: Call(
                "post", {"pk": s.dispatched.pk, "action": "accept"}, data={}
            ),
            actor="technician",
        ),
        "console-order": order_get(),
    }
)


def _hotline_repair_stays_home(ctx):
    """An agent scoped to D1 cannot open a repair in D2's package area."""
    foreign, own = ctx.world.foreign, ctx.world.own

    def body(side, phone):
        return {
            "name": "范围测试",
            "phone": phone,
            "address": "测试地址",
            "package_area": side.package_area.pk,
            "product": "ftth_broadband",
            "level": "ordinary",
            "segment": "public",
            "description": "不通",
        }

    ctx.call("post", {}, data=body(foreign, "13700000001"))
    assert not WorkOrder.objects.filter(customer__phone="13700000001").exists()
    ctx.call("post", {}, data=body(own, "13700000002"))
    assert WorkOrder.objects.filter(customer__phone="13700000002").exists()


def _hotline_complaint_stays_home(ctx):
    """A complaint naming a foreign order is refused; one on an own order is not."""
    from complaints.models import Complaint, ComplaintSubCategory

    sub = ComplaintSubCategory.objects.order_by("pk").first()

    def body(side):
        return {
            "channel": "hotline_10000",
            "phone": side.pending.customer.phone,
            "customer_name": "范围测试",
            "work_order": side.pending.pk,
            "category": sub.category,
            "sub_category": sub.pk,
            "description": "范围测试投诉",
        }

    before = Complaint.objects.filter(work_order=ctx.world.foreign.pending).count()
    ctx.call("post", {}, data=body(ctx.world.foreign))
    assert Complaint.objects.filter(work_order=ctx.world.foreign.pending).count() == (
        before
    )


# --- variants of a pattern: exports and panels picked by a parameter ---------------------

PROBES.update(
    {
        "reports-quality#xlsx": listing(
            lambda s, w: Call(query={**REPORT, "format": "xlsx"}),
            marker=lambda side: side.group.code,
        ),
        "claim-paid-list#xlsx": listing(
            lambda s, w: Call(query={"month": "2026-11", "format": "xlsx"}),
            marker=lambda side: side.extra["paid"].number,
        ),
        "console-dispatcher#rota": listing(
            lambda s, w: Call(query={"rota_group": s.group.pk, "week": WEEK}),
            marker=lambda side: side.tech.name,
        ),
        "work-order-list#phone": listing(
            lambda s, w: Call(query={"phone": s.pending.customer.phone}),
        ),
    }
)
