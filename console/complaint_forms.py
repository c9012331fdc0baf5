"""Forms of the complaints desk (投诉处理台): one per step action of SPEC §7,
and the table of who may take which action at which step."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.models import Outcome
from dispatch_center.roles import Role

BACK_OFFICE = frozenset({Role.SUPERVISOR, Role.MANAGER})
DEPARTMENT = BACK_OFFICE | {Role.DEPARTMENT_HANDLER}
FRONT = BACK_OFFICE | {Role.HOTLINE_AGENT}

#: action → (steps it applies to, roles that may take it there, button label)
ACTIONS: dict[str, tuple[dict[str, frozenset], object]] = {
    # the step's own action first (the desk opens it), then the side ways
    rules.SUBMIT: ({rules.FRONT_DESK: FRONT}, _("提交至后台复核")),
    rules.DISPATCH_TO_CITY: ({rules.REVIEW: BACK_OFFICE}, _("复核并派往责任地市")),
    rules.ASSIGN_DEPARTMENT: ({rules.CITY: BACK_OFFICE}, _("派给责任部门")),
    rules.ANSWER_CUSTOMER: ({rules.DEPARTMENT: DEPARTMENT}, _("已答复用户")),
    rules.RETURN_TICKET: ({rules.RETURN: DEPARTMENT}, _("返单")),
    rules.CALLBACK_CUSTOMER: ({rules.CALLBACK: BACK_OFFICE}, _("记录回访")),
    rules.DETERMINE: (
        {rules.DETERMINATION: frozenset({Role.MANAGER})},
        _("责任认定并结案"),
    ),
    rules.CLOSE: (
        {rules.FRONT_DESK: FRONT, rules.REVIEW: BACK_OFFICE},
        _("直接答复用户并结案"),
    ),
    rules.WRONG_DISPATCH: (
        {rules.CITY: BACK_OFFICE, rules.DEPARTMENT: DEPARTMENT},
        _("派单错误，退回上一环节"),
    ),
    rules.SUPERVISE: (
        dict.fromkeys(rules.SUPERVISABLE, BACK_OFFICE),
        _("督办"),
    ),
}


def allowed_actions(status: str, roles: frozenset[str]) -> list[str]:
    """The actions ``roles`` may take on a complaint at ``status``, in flow order."""
    return [
        action
        for action, (steps, _label) in ACTIONS.items()
        if status in steps and roles & steps[status]
    ]


def action_label(action: str):
    return ACTIONS[action][1]


NOTE = {"required": False, "max_length": 2000, "label": _("说明（可选）")}


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **NOTE)


class CloseForm(forms.Form):
    answer = forms.CharField(
        label=_("答复用户的内容"), widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(
        label=_("认定结果"),
        choices=[(v, lbl) for v, lbl in Outcome.choices if v != Outcome.HUMAN],
    )


class DispatchToCityForm(NoteForm):
    district = forms.ChoiceField(label=_("责任地市/区局"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(d.code, d.name) for d in districts]
        self.order_fields(["district", "note"])


class AssignDepartmentForm(NoteForm):
    department = forms.CharField(label=_("责任部门"), max_length=100)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].widget.attrs["list"] = "departments"
        self.departments = departments
        self.order_fields(["department", "note"])


class AnswerForm(NoteForm):
    answer = forms.CharField(
        label=_("答复用户的内容"), widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["answer", "note"]


class SuperviseForm(forms.Form):
    note = forms.CharField(
        label=_("督办意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CallbackCustomerForm(NoteForm):
    satisfied = forms.TypedChoiceField(
        label=_("用户是否满意"),
        choices=[("yes", _("满意")), ("no", _("不满意"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    field_order = ["satisfied", "note"]


class DetermineForm(forms.Form):
    """责任认定; a human cause opens a penalty ticket (处罚单)."""

    TARGETS = [
        ("technician", _("装维工程师（工号）")),
        ("user", _("人员（用户名）")),
        ("department", _("部门")),
    ]

    outcome = forms.ChoiceField(label=_("认定结果"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("认定说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    target_kind = forms.ChoiceField(
        label=_("处罚对象类型"), choices=TARGETS, required=False
    )
    target = forms.CharField(label=_("处罚对象"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("处罚金额（元）"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
    )
    reason = forms.CharField(label=_("处罚原因"), max_length=500, required=False)
    month = forms.RegexField(
        label=_("计入月份（YYYY-MM，空为本月）"),
        regex=r"^\d{4}-\d{2}$",
        required=False,
    )
    publish = forms.BooleanField(label=_("立即公布上报"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("outcome") != Outcome.HUMAN:
            return data
        for name, message in (
            ("target", _("人为原因须指定处罚对象")),
            ("amount", _("人为原因须填写处罚金额")),
            ("reason", _("人为原因须填写处罚原因")),
        ):
            if not data.get(name):
                self.add_error(name, message)
        return data
