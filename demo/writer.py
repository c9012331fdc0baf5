"""Writing the planned demo orders with ``bulk_create``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from org.models import District, PackageArea, Technician
from workorders import rules
from workorders.models import Customer, WorkOrder, WorkOrderEvent
from workorders.selectors import service_policy

from .constants import (
    BATCH,
    NUMBER_RE,
)

# --- writing ---------------------------------------------------------------------------

ORDER_FIELDS = (
    "number crm_order_id source kind product status address lat lng description "
    "same_day_requested is_same_day deadline_basis deadline_follows_appointment "
    "accepted_at deadline dispatched_at first_response_due first_contact_at "
    "appointment_start appointment_end arrived_at completed_at cancelled_at "
    "is_repeat_fault resolution delay_cause completion_evidence completion_note "
    "cancel_reason"
).split()


def _batches(items, size=BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def demo_orders_exist() -> int:
    return WorkOrder.objects.filter(
        Q(crm_order_id__startswith="DEMO-") | Q(number__regex=NUMBER_RE)
    ).count()


def write_orders(orders: list[dict]) -> dict[str, int]:
    """Insert customers, orders and events with ``bulk_create``."""
    packages = dict(PackageArea.objects.values_list("code", "id"))
    groups = dict(PackageArea.objects.values_list("group__code", "group_id"))
    districts = dict(District.objects.values_list("code", "id"))
    techs = {
        code: (pk, user_id)
        for code, pk, user_id in Technician.objects.values_list("code", "id", "user_id")
    }
    users = dict(
        get_user_model()
        .objects.filter(username__in=["crm", "agent"])
        .values_list("username", "id")
    )

    customers: dict[int, dict] = {}
    for o in orders:
        customers.setdefault(o["customer"]["key"], o["customer"])
    customer_rows = [
        Customer(
            name=c["name"],
            phone=c["phone"],
            account=c["account"],
            level=c["level"],
            segment=c["segment"],
            address=c["address"],
            package_area_id=packages[c["package_area"]],
        )
        for c in customers.values()
    ]
    for chunk in _batches(customer_rows):
        Customer.objects.bulk_create(chunk)
    customer_ids = {
        key: row.pk for key, row in zip(customers, customer_rows, strict=True)
    }

    sla_policy = service_policy().sla
    order_rows = []
    for o in orders:
        row = WorkOrder(
            **{f: o[f] for f in ORDER_FIELDS},
            customer_id=customer_ids[o["customer"]["key"]],
            package_area_id=packages[o["package_area"]],
            group_id=groups[o["group"]],
            district_id=districts[o["district"]],
            technician_id=techs[o["technician"]][0] if o["technician"] else None,
            created_by_id=users.get(o["created_by"]),
        )
        # The SLA clock (issue 4): what is already due, the next scan processes.
        row.sla_deadline = row.deadline
        row.commitment_deadline = row.deadline
        row.sla_next_check_at = rules.sla_next_check(row.sla_state(), sla_policy)
        # the queue rank intake gives (SPEC §4): VIP and same-day orders first
        vip = o["customer"]["level"] in rules.VIP_LEVELS
        row.queue_rank = 0 if (o["is_same_day"] or vip) else 1
        order_rows.append(row)
    for chunk in _batches(order_rows):
        WorkOrder.objects.bulk_create(chunk)
        ids = [r.pk for r in chunk]
        # auto_now(_add) stamped the wall clock: use the order's own times
        WorkOrder.objects.filter(pk__in=ids).update(
            created_at=F("accepted_at"),
            updated_at=Coalesce(
                "cancelled_at",
                "completed_at",
                "arrived_at",
                "first_contact_at",
                "dispatched_at",
                "accepted_at",
            ),
        )
    first_order = (
        WorkOrder.objects.filter(customer=OuterRef("pk"))
        .order_by("accepted_at")
        .values("accepted_at")[:1]
    )
    for chunk in _batches(customer_rows):
        Customer.objects.filter(pk__in=[c.pk for c in chunk]).update(
            created_at=Subquery(first_order)
        )

    event_rows = []
    n_events = 0
    for o, row in zip(orders, order_rows, strict=True):
        for e in o["events"]:
            actor = techs.get(e["actor"]) if e["actor"] else None
            event_rows.append(
                WorkOrderEvent(
                    order_id=row.pk,
                    at=e["at"],
                    kind=e["kind"],
                    actor_id=actor[1] if actor else None,
                    actor_name=e["actor_name"],
                    from_status=e["from_status"],
                    to_status=e["to_status"],
                    reason=e["reason"],
                    data=e["data"],
                )
            )
        if len(event_rows) >= BATCH:
            WorkOrderEvent.objects.bulk_create(event_rows)
            n_events += len(event_rows)
            event_rows = []
    if event_rows:
        WorkOrderEvent.objects.bulk_create(event_rows)
        n_events += len(event_rows)
    return {
        "customers": len(customer_rows),
        "orders": len(order_rows),
        "events": n_events,
    }
