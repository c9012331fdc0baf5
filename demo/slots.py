"""预约服务 in the demo (SPEC §14): appointments booked into slots and one
on-site evaluation given on the customer's page, through the flows the CRM
and the customer use (``dispatch.slot_services.order_intake``,
``complaints.services.customer_page.customer_evaluate``).

- a few CRM installs in the first package areas, each booked into the first
  slot with room of the next day that has one;
- the most recent completion without a callback is evaluated on its page
  (channel ``page``: the agents' callback queue skips it).

``demo_customer_order`` is the order whose page ``demo_logins`` prints.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model

from complaints.models import Callback
from complaints.services import CallbackIn
from complaints.services.customer_page import customer_evaluate
from dispatch.slot_rules import local_date
from dispatch.slot_selectors import open_slots
from dispatch.slot_services import order_intake
from org.models import PackageArea
from workorders.models import Status, WorkOrder
from workorders.services import CustomerIn, OrderIn

PREFIX = "DEMO-SLOT-"
BOOKINGS = 6


def demo_customer_order() -> WorkOrder | None:
    """The first demo order booked into a slot (its customer link is shown)."""
    return (
        WorkOrder.objects.filter(crm_order_id__startswith=PREFIX).order_by("pk").first()
    )


def next_open_slot(order: WorkOrder, now: datetime, *, skip: int = 0):
    """The first slot with room from tomorrow on for ``order``'s group."""
    today = local_date(now)
    for offset in range(1, 8):
        found = open_slots(
            group_id=order.group_id,
            kind=order.kind,
            product=order.product,
            day=today + timedelta(days=offset),
            now=now,
        )
        if found:
            return found[skip % len(found)].slot
    return None


def seed_slots(now: datetime, rng: random.Random, out) -> None:
    if demo_customer_order() is not None:
        return
    crm = get_user_model().objects.get(username="crm")
    packages = list(PackageArea.objects.select_related("group").order_by("code")[:3])
    made = 0
    for n in range(BOOKINGS):
        package = packages[n % len(packages)]
        slot = next_open_slot(
            WorkOrder(
                group_id=package.group_id, kind="install", product="ftth_broadband"
            ),
            now,
            skip=n,
        )
        if slot is None:
            continue
        phone = f"138{rng.randrange(10**8):08d}"
        order_intake(
            data=OrderIn(
                source="crm",
                kind="install",
                product="ftth_broadband",
                customer=CustomerIn(
                    name=rng.choice("王李张刘陈") + rng.choice(("先生", "女士")),
                    phone=phone,
                ),
                address=f"{package.name}{rng.randrange(1, 40)}号楼",
                package_area=package.code,
                crm_order_id=f"{PREFIX}{n + 1}",
                lat=package.lat,
                lng=package.lng,
                accepted_at=now,
                appointment_start=slot.start,
                appointment_end=slot.end,
                description="客户在营业厅办理宽带，预约上门安装",
            ),
            by=crm,
            now=now,
        )
        made += 1
    out.add("slot bookings", made)
    done = (
        WorkOrder.objects.filter(
            status=Status.COMPLETED,
            completed_at__lt=now,
            completed_at__gte=now - timedelta(days=2),
        )
        .exclude(pk__in=Callback.objects.values("work_order_id"))
        .order_by("-completed_at", "pk")
        .first()
    )
    if done is not None:
        customer_evaluate(
            done,
            data=CallbackIn(
                contact=5,
                punctuality=5,
                skill=4,
                attitude=5,
                satisfied=True,
                note="工程师准时上门，安装很快",
            ),
            now=now,
        )
        out.add("page evaluations")
