"""Console forms: input shape and clear messages; the services decide the rest.

A form checks what a person can get wrong while typing (a missing field, a
phone number, a date); business rules (transitions, capacity, a reschedule
needing the customer's consent) stay in the services, whose errors the views
put back on the form (``views.common.run``).
"""

from __future__ import annotations

from html import escape as html_escape

from django import forms
from django.core.validators import RegexValidator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel
from org.models import Product
from workorders import rules as wo_rules
from workorders.models import (
    CustomerLevel,
    DelayCause,
    DispatchFlag,
    Kind,
    Segment,
    Status,
)

DATETIME_LOCAL = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
PHONE = RegexValidator(
    r"^(1\d{10}|0\d{9,11})$",
    _("请输入11位手机号，或带区号的固定电话（如 051885123456）。"),
)
SCORES = [(i, str(i)) for i in range(5, 0, -1)]


def _blank(label):
    return [("", label)]


class LongSelect(forms.Select):
    """A ``<select>`` of many plain options (a city-wide agent's 2,000 小包区,
    the score selects of every past order's callback form), written in one
    pass: Django's own widget renders a template per option (≈ 0.2 ms each,
    0.4 s for the hotline page at province scale), and even ``format_html``
    per option cost the hotline page ≈ 15 ms."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{_text(key)}"'
            f"{' selected' if str(key) == chosen else ''}>{_text(label)}</option>"
            for key, label in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))


def _text(value) -> str:
    """``conditional_escape(value)`` without its lazy wrappers (HTML-safe
    values as they are, anything else escaped)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


class QueueFilterForm(forms.Form):
    """The dispatcher queue's filters (all optional)."""

    district = forms.ChoiceField(label=_("区局"), required=False)
    area = forms.ChoiceField(label=_("片区"), required=False)
    group = forms.ChoiceField(label=_("区域组"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(_("全部")) + Kind.choices
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_blank(_("全部在途"))
        + [(v, label) for v, label in Status.choices if v in wo_rules.OPEN_STATES],
    )
    flag = forms.ChoiceField(
        label=_("调度标记"),
        required=False,
        choices=_blank(_("全部")) + DispatchFlag.choices,
    )
    vip = forms.BooleanField(label=_("仅VIP"), required=False)
    same_day = forms.BooleanField(label=_("仅当日装/修"), required=False)
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("电话、姓名、地址或工单号，输入一部分即可"),
            }
        ),
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _blank(_("全部"))
        self.fields["district"].choices = everything + [
            (str(d.pk), d.name) for d in options.districts
        ]
        self.fields["area"].choices = everything + [
            (str(a.pk), a.name) for a in options.areas
        ]
        self.fields["group"].choices = everything + [
            (str(g.pk), g.name) for g in options.groups
        ]

    def filters(self) -> dict:
        """The valid filters; an invalid value is dropped, never an error page."""
        if self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if v}
        return {
            k: v for k, v in self.cleaned_data.items() if v and k not in self.errors
        }


class TechnicianFilterForm(forms.Form):
    """The technicians panel's own filters (its page is ``tpage``)."""

    tq = forms.CharField(label=_("姓名或工号"), required=False, max_length=32)
    tstate = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("全部")),
            ("on_duty", _("在岗")),
            ("off_duty", _("不在岗")),
            ("full", _("已满")),
        ],
    )

    def filters(self) -> dict:
        """The valid filters; an invalid value is dropped, never an error page."""
        self.is_valid()
        return {
            k: v for k, v in self.cleaned_data.items() if v and k not in self.errors
        }


class EmptyForm(forms.Form):
    """No input: the step is the whole request (accept, arrive, resume)."""


class DispatchForm(forms.Form):
    technician = forms.CharField(label=_("装维工程师工号"), max_length=32)
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        required=False,
        help_text=_("改派或超范围调剂时必须填写。"),
    )
    override = forms.BooleanField(
        label=_("超出候选范围调剂"),
        required=False,
        help_text=_("派给本区局其他区域组或未选择延时服务的工程师时勾选。"),
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("审核意见"), max_length=500, required=False, widget=forms.TextInput
    )


class RotaGenerateForm(forms.Form):
    group = forms.IntegerField(label=_("区域组"))
    week_start = forms.DateField(
        label=_("周一"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RepairForm(forms.Form):
    """10000号 opens a repair (障碍单)."""

    phone = forms.CharField(label=_("客户电话"), max_length=20, validators=[PHONE])
    name = forms.CharField(label=_("客户姓名"), max_length=100)
    address = forms.CharField(label=_("装机地址"), max_length=255)
    package_area = forms.ModelChoiceField(
        label=_("小包区"),
        queryset=None,
        widget=LongSelect,
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("请选择列表中的小包区。")},
    )
    product = forms.ChoiceField(
        label=_("故障产品"), choices=Product.choices, initial=Product.FTTH_BROADBAND
    )
    level = forms.ChoiceField(
        label=_("客户等级"), choices=CustomerLevel.choices, initial="ordinary"
    )
    segment = forms.ChoiceField(
        label=_("客户类型"), choices=Segment.choices, initial="public"
    )
    description = forms.CharField(
        label=_("故障描述"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    same_day_requested = forms.BooleanField(
        label=_("客户要求当日修"), required=False, initial=True
    )

    def __init__(self, *args, package_areas, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["package_area"]
        field.queryset = package_areas
        # the options as plain values: no model instances for 2,000 rows
        field.widget.choices = _blank(field.empty_label) + [
            (pk, f"{name}（{area}）")
            for pk, name, area in package_areas.values_list(
                "pk", "name", "group__area__name"
            )
        ]


class UrgeForm(forms.Form):
    note = forms.CharField(label=_("催单内容"), max_length=255, required=False)


class ComplaintForm(forms.Form):
    """Open a complaint (前台受理); the category follows the sub-item."""

    channel = forms.ChoiceField(
        label=_("渠道"), choices=Channel.choices, initial=Channel.HOTLINE_10000
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, validators=[PHONE])
    customer_name = forms.CharField(label=_("客户姓名"), max_length=100)
    sub_category = forms.ModelChoiceField(
        label=_("投诉子项"),
        queryset=None,
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("请选择列表中的投诉子项。")},
    )
    work_order = forms.TypedChoiceField(
        label=_("关联工单"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=_("投诉内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, sub_categories, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_category"].queryset = sub_categories
        self.fields["sub_category"].label_from_instance = lambda s: (
            f"{s.get_category_display()} · {s.name}"
        )
        self.fields["work_order"].choices = _blank(_("不关联")) + [
            (o.pk, o.number) for o in orders
        ]


class CallbackForm(forms.Form):
    """回访: four scores and satisfied or not."""

    contact = forms.TypedChoiceField(
        label=_("联系及时"),
        choices=SCORES,
        coerce=int,
        initial=5,
        widget=LongSelect,
    )
    punctuality = forms.TypedChoiceField(
        label=_("上门准时"),
        choices=SCORES,
        coerce=int,
        initial=5,
        widget=LongSelect,
    )
    skill = forms.TypedChoiceField(
        label=_("技能"),
        choices=SCORES,
        coerce=int,
        initial=5,
        widget=LongSelect,
    )
    attitude = forms.TypedChoiceField(
        label=_("态度"),
        choices=SCORES,
        coerce=int,
        initial=5,
        widget=LongSelect,
    )
    satisfied = forms.TypedChoiceField(
        label=_("客户评价"),
        choices=[("yes", _("满意")), ("no", _("不满意"))],
        coerce=lambda v: v == "yes",
        initial="yes",
        widget=LongSelect,
    )
    note = forms.CharField(label=_("回访记录"), max_length=1000, required=False)


class ContactForm(forms.Form):
    """First contact with the customer and the agreed appointment: one of the
    slots offered (``console.slot_choices``), never a free date-time.

    Today's slots are all offered (a same-day visit is accepted at any time);
    later days only those with room. ``cleaned_data`` carries the slot as
    ``appointment_start``/``appointment_end`` for the service.
    """

    #: first contact: today's slots even when full (SPEC §14)
    same_day = True

    slot = forms.ChoiceField(
        label=_("预约时段"),
        error_messages={
            "required": _("请选择预约时段。"),
            "invalid_choice": _("请选择列表中的预约时段。"),
        },
    )

    def __init__(self, *args, order=None, now=None, slot_cache=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._slots: dict[str, tuple] = {}
        if order is None:
            return
        from .slot_choices import slot_choices

        slot_cache = {} if slot_cache is None else slot_cache

        def choices():
            days = slot_choices(
                order, now=now, same_day=self.same_day, cache=slot_cache
            )
            self._slots = {c.value: (c.start, c.end) for _d, cs in days for c in cs}
            return [("", _("请选择"))] + [
                (day, [(c.value, c.label) for c in cs]) for day, cs in days
            ]

        self.fields["slot"].choices = choices

    def clean(self):
        data = super().clean()
        slot = data.pop("slot", None)
        if slot and slot in self._slots:
            data["appointment_start"], data["appointment_end"] = self._slots[slot]
        return data


class CompleteForm(forms.Form):
    """报竣 on site; a late order names its delay cause and evidence."""

    delay_cause = forms.ChoiceField(
        label=_("超时原因"),
        required=False,
        choices=_blank(_("未超时/无")) + DelayCause.choices,
    )
    evidence = forms.CharField(
        label=_("佐证（如录音编号、照片编号）"), max_length=255, required=False
    )
    note = forms.CharField(label=_("竣工备注"), max_length=500, required=False)


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("挂起原因"), choices=DelayCause.choices)
    evidence = forms.CharField(label=_("佐证"), max_length=255, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class RescheduleForm(ContactForm):
    """改约: a booking made ahead, so only slots with room."""

    same_day = False

    reason = forms.ChoiceField(
        label=_("改约原因"), choices=DelayCause.choices, initial=DelayCause.CUSTOMER
    )
    customer_confirmed = forms.BooleanField(label=_("客户已确认新时间"), required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class RedispatchForm(forms.Form):
    note = forms.CharField(
        label=_("申请改派原因"),
        max_length=500,
        error_messages={"required": _("请填写申请改派的原因。")},
    )


class PositionForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)
