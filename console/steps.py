"""The steps a technician takes on an order, and which the phone page offers.

The services decide whether a step is allowed; this only chooses which
buttons and forms to show in each state.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from workorders.models import Status

from .forms import (
    CompleteForm,
    ContactForm,
    EmptyForm,
    RedispatchForm,
    RescheduleForm,
    SuspendForm,
)

#: action -> (form, label shown on its button, success message)
ACTIONS = {
    "accept": (EmptyForm, gettext_lazy("接单"), gettext_lazy("已接单。")),
    "contact": (
        ContactForm,
        gettext_lazy("联系客户并预约"),
        gettext_lazy("已预约，客户将收到短信。"),
    ),
    "arrive": (EmptyForm, gettext_lazy("已上门"), gettext_lazy("已记录上门。")),
    "complete": (CompleteForm, gettext_lazy("竣工"), gettext_lazy("已报竣。")),
    "suspend": (
        SuspendForm,
        gettext_lazy("申请挂起"),
        gettext_lazy("挂起申请已提交，等待审核。"),
    ),
    "reschedule": (
        RescheduleForm,
        gettext_lazy("申请改约"),
        gettext_lazy("改约申请已提交，等待审核。"),
    ),
    "redispatch": (
        RedispatchForm,
        gettext_lazy("申请改派"),
        gettext_lazy("已退回调度台改派。"),
    ),
    "resume": (EmptyForm, gettext_lazy("解除挂起"), gettext_lazy("已解除挂起。")),
}

#: Which steps the phone page offers in each state (the services decide for real).
ACTIONS_BY_STATUS = {
    Status.DISPATCHED: ["accept", "redispatch", "suspend"],
    Status.ACCEPTED: ["contact", "reschedule", "redispatch", "suspend"],
    Status.APPOINTED: ["arrive", "reschedule", "redispatch", "suspend"],
    Status.ON_SITE: ["complete", "suspend"],
    Status.SUSPENDED: ["resume"],
}
#: Shown open on the page: the next step of the normal flow.
PRIMARY = {"accept", "contact", "arrive", "complete", "resume"}


def step_form(name: str, order, data=None, *, now=None, slot_cache=None):
    """The form of step ``name`` on ``order``; the appointment steps offer the
    order's slots (``console.slot_choices``)."""
    form_class = ACTIONS[name][0]
    if issubclass(form_class, ContactForm):
        return form_class(
            data,
            prefix=name,
            order=order,
            now=now or timezone.now(),
            slot_cache=slot_cache,
        )
    return form_class(data, prefix=name)


def action_forms(
    order, bound: dict | None = None, *, slot_cache: dict | None = None
) -> list[dict]:
    """The step forms for ``order`` in its state; ``bound`` replaces one by name.

    ``slot_cache``: one dict per page, so the cards of a technician's list
    share the slot figures of their group."""
    bound = bound or {}
    forms = []
    for name in ACTIONS_BY_STATUS.get(order.status, []):
        _form_class, label, _done = ACTIONS[name]
        forms.append(
            {
                "name": name,
                "label": label,
                "form": bound.get(name)
                or step_form(name, order, slot_cache=slot_cache),
                "primary": name in PRIMARY,
                "open": name in bound,
                "url": reverse("console-tech-action", args=[order.pk, name]),
            }
        )
    return forms
