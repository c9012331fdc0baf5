"""The order page: everything about one order and its full timeline."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch_center.console import role_required
from dispatch_center.roles import Role, roles_of
from workorders import rules as wo_rules
from workorders.selectors import orders_visible_to

from .. import selectors
from ..forms import CallbackForm, DecisionForm, UrgeForm
from ..slot_choices import order_slot
from ..steps import action_forms

READERS = (
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.HOTLINE_AGENT,
    Role.TECHNICIAN,
    Role.MANAGER,
)


def order_response(request, order, *, bound=None, status=200):
    """The order page, with ``bound`` forms (a failed step) shown open."""
    now = timezone.now()
    page = selectors.order_page(order, now=now)
    roles = roles_of(request.user)
    technician = selectors.user_technician(request.user)
    is_assignee = (
        Role.TECHNICIAN in roles
        and technician is not None
        and order.technician_id == technician.pk
    )
    is_open = order.status in wo_rules.OPEN_STATES
    hotline = bool(roles & {Role.HOTLINE_AGENT, Role.SUPERVISOR})
    return render(
        request,
        "console/order.html",
        {
            "order": order,
            "page": page,
            "now": now,
            "steps": action_forms(order, bound) if is_assignee else [],
            "slot": order_slot(order, now=now),
            "can_dispatch": selectors.can_dispatch(request.user) and is_open,
            "can_decide": selectors.can_dispatch(request.user),
            "decision_form": DecisionForm(),
            "urge_form": UrgeForm() if hotline and is_open else None,
            # a repair closed by its fault's restoration whose problem remains
            "can_reopen": order.status == wo_rules.COMPLETED
            and order.resolution == "network_fault"
            and bool(
                roles & {Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR}
                or is_assignee
            ),
            "callback_form": (
                CallbackForm()
                if hotline and page.callback is None and order.completed_at
                else None
            ),
        },
        status=status,
    )


@require_GET
@role_required(*READERS, Role.FINANCE)
def order_detail(request, pk):
    """One order; a technician sees only their own, finance only the orders
    behind a 慢必赔 claim (its audit list links them); anyone else's: 404."""
    orders = orders_visible_to(request.user)
    if not roles_of(request.user) & set(READERS):
        orders = orders.filter(claim__isnull=False)
    order = get_object_or_404(orders, pk=pk)
    return order_response(request, order)
