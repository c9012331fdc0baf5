"""Shared helpers for the network-fault tests."""

from __future__ import annotations

import datetime as dt
import itertools

from workorders.services import CustomerIn, OrderIn, work_order_create

_phones = itertools.count(13700000000)


def repair(
    at: dt.datetime,
    *,
    package_area="P1",
    product="ftth_broadband",
    by=None,
    phone=None,
    now=None,
    **extra,
):
    """A hotline repair entered at ``at`` (the clock must be at or after it)."""
    order, _ = work_order_create(
        data=OrderIn(
            source="hotline",
            kind="repair",
            product=product,
            customer=CustomerIn(name="客户", phone=phone or str(next(_phones))),
            address="通灌北路 1 号",
            package_area=package_area,
            accepted_at=at,
            **extra,
        ),
        by=by,
        now=now or at,
    )
    return order
