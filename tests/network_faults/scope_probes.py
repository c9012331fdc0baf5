"""District-scope probes of network faults: API, desk panels, pages, reports."""

from tests.scope.registry import PROBES, Call, listing, obj

ETA = "2026-11-21T12:00:00+08:00"


def scope_world(side, world):
    """One confirmed fault over the side's package area."""
    from network_faults.services import fault_declare
    from tests.conftest import make_user

    owner = make_user(f"fault-owner-{side.label}", "dispatcher")
    side.extra["fault"] = fault_declare(
        package_areas=[side.package_area.code],
        cause=f"光缆中断{side.label}",
        by=owner,
    )


def _fault(side):
    return side.extra["fault"]


def _number(side):
    return _fault(side).number


def fault_post(data=None):
    return obj(lambda s, w: Call("post", {"pk": _fault(s).pk}, data=data or {}))


PROBES.update(
    {
        "network-fault-list": listing(lambda s, w: Call("get"), marker=_number),
        "network-fault-detail": obj(lambda s, w: Call("get", {"pk": _fault(s).pk})),
        "network-fault-timeline": obj(lambda s, w: Call("get", {"pk": _fault(s).pk})),
        "network-fault-confirm": fault_post(),
        "network-fault-dismiss": fault_post({"reason": "误报"}),
        "network-fault-eta": fault_post({"eta": ETA}),
        "network-fault-link": obj(
            lambda s, w: Call(
                "post", {"pk": _fault(s).pk}, data={"work_orders": [s.pending.pk]}
            )
        ),
        "network-fault-restore": fault_post({"restored_at": ETA}),
        "network-fault-close": fault_post(),
        "work-order-reopen": obj(
            lambda s, w: Call("post", {"pk": s.done.pk}, data={"note": "仍未恢复"})
        ),
        "work-order-substitute": obj(
            lambda s, w: Call(
                "post", {"pk": s.pending.pk}, data={"substitute": "4G 临时替代"}
            )
        ),
        "faults-panel": listing(lambda s, w: Call("get"), marker=_number),
        "faults-hotline-banner": listing(
            lambda s, w: Call("get", query={"q": s.pending.customer.phone}),
            marker=_number,
        ),
        "fault-page": obj(lambda s, w: Call("get", {"pk": _fault(s).pk})),
        "fault-intercept": obj(
            lambda s, w: Call(
                "post",
                {"pk": _fault(s).pk},
                data={"phone": s.pending.customer.phone, "note": "来电"},
            )
        ),
        "fault-order-reopen": obj(
            lambda s, w: Call("post", {"pk": s.done.pk}, data={"note": "仍未恢复"})
        ),
        "fault-action": obj(
            lambda s, w: Call(
                "post", {"pk": _fault(s).pk, "action": "eta"}, data={"eta": ETA}
            )
        ),
        "reports-faults": listing(
            lambda s, w: Call("get", query={"period": "month", "date": "2026-11-20"}),
            marker=lambda side: side.district.name,
        ),
        "reports-fault-page": listing(
            lambda s, w: Call("get", query={"period": "month", "date": "2026-11-20"}),
            marker=lambda side: side.district.name,
        ),
    }
)
