"""计件工资台 (SPEC §9): a month's runs, a run's lines per technician with
their piece items, review, lock, recompute into a new version with the diff,
vendor settlement and the xlsx.

Managers operate (city-wide managers only: runs cover the whole city);
finance reads. A district-scoped user reads their district's lines.
Technicians keep their own pay slip on their phone page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dispatch_center.console import role_required
from dispatch_center.roles import Role, has_role
from payroll import exports
from payroll import selectors as payroll_selectors
from payroll import services as payroll_services
from payroll.models import PayrollRun, RunStatus

from .common import form_errors_text, run

READERS = (Role.MANAGER, Role.FINANCE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINES_PAGE = 100
#: Labels of the compared fields of a diff.
DIFF_LABELS = {
    "post_wage": gettext_lazy("岗位工资"),
    "base_hours": gettext_lazy("基础工作量(工时)"),
    "worked_hours": gettext_lazy("完成工时"),
    "paid_hours": gettext_lazy("计件工时"),
    "orders": gettext_lazy("现场施工工单数"),
    "piece_wage": gettext_lazy("计件工资"),
    "rewards": gettext_lazy("奖励"),
    "penalties": gettext_lazy("扣罚"),
    "total": gettext_lazy("应发"),
    "grade": gettext_lazy("质量等级"),
}


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=gettext_lazy("月份"),
        regex=r"^\d{4}-\d{2}$",
        error_messages={"invalid": gettext_lazy("月份格式应为 YYYY-MM")},
    )


def can_operate(user) -> bool:
    """A city-wide manager: compute, review, lock (runs cover the whole city)."""
    if not has_role(user, Role.MANAGER):
        return False
    profile = getattr(user, "staff_profile", None)
    return profile is None or profile.district_id is None


def _run_or_404(request, pk: int) -> PayrollRun:
    return get_object_or_404(payroll_selectors.runs_visible_to(request.user), pk=pk)


def _previous_version(run_: PayrollRun) -> PayrollRun | None:
    return (
        PayrollRun.objects.filter(month=run_.month, version__lt=run_.version)
        .order_by("-version")
        .first()
    )


@require_GET
@role_required(*READERS)
def runs(request):
    """The runs by month, newest first; the month's locked version marked."""
    month = request.GET.get("month", "").strip()
    qs = payroll_selectors.runs_visible_to(request.user).order_by("-month", "-version")
    if month:
        qs = qs.filter(month=month)
    page = Paginator(qs, 50).get_page(request.GET.get("page", 1))
    default_month = timezone.localdate().replace(day=1)
    return render(
        request,
        "console/payroll/runs.html",
        {
            "page": page,
            "month": month,
            "form": MonthForm(initial={"month": f"{default_month:%Y-%m}"}),
            "can_operate": can_operate(request.user),
        },
    )


@require_POST
@role_required(Role.MANAGER)
def compute(request):
    """Compute a month: a new draft version (the first, or a recomputation)."""
    if not can_operate(request.user):
        messages.error(request, _("工资按全市计算，区局范围的用户不能计算。"))
        return redirect("console-payroll")
    form = MonthForm(request.POST)
    if form.is_valid():
        new = run(
            form,
            lambda: payroll_services.payroll_run_create(
                month=form.cleaned_data["month"], by=request.user
            ),
        )
        if new is not None:
            return _after_compute(request, new)
    messages.error(request, form_errors_text(form))
    return redirect("console-payroll")


def _after_compute(request, new: PayrollRun):
    previous = _previous_version(new)
    messages.success(
        request,
        _("已计算%(month)s第%(version)s版。")
        % {"month": new.month, "version": new.version},
    )
    if previous is None:
        return redirect("console-payroll-run", pk=new.pk)
    url = reverse("console-payroll-diff", args=[new.pk])
    return redirect(f"{url}?against={previous.pk}")


@require_GET
@role_required(*READERS)
def run_detail(request, pk: int):
    run_ = _run_or_404(request, pk)
    lines = payroll_selectors.lines_of(run_, request.user)
    code = request.GET.get("technician", "").strip()
    if code:
        lines = lines.filter(technician__code=code)
    page = Paginator(lines, LINES_PAGE).get_page(request.GET.get("page", 1))
    locked_other = (
        PayrollRun.objects.filter(month=run_.month, status=RunStatus.LOCKED)
        .exclude(pk=run_.pk)
        .first()
    )
    return render(
        request,
        "console/payroll/run.html",
        {
            "run": run_,
            "page": page,
            "technician": code,
            "totals": payroll_selectors.lines_totals(lines),
            "vendors": payroll_selectors.vendor_settlement(lines),
            "previous": _previous_version(run_),
            "locked_other": locked_other,
            "can_operate": can_operate(request.user),
        },
    )


@require_GET
@role_required(*READERS)
def line_items(request, pk: int, line_id: int):
    """One technician's piece items (计件工单) with hours and coefficients."""
    run_ = _run_or_404(request, pk)
    line = get_object_or_404(payroll_selectors.lines_of(run_, request.user), pk=line_id)
    page = Paginator(payroll_selectors.items_of(line), 200).get_page(
        request.GET.get("page", 1)
    )
    return render(
        request,
        "console/payroll/line.html",
        {"run": run_, "line": line, "page": page},
    )


@require_POST
@role_required(Role.MANAGER)
def run_action(request, pk: int, action: str):
    """审核 (review), 锁定 (lock) or 重新计算 (recompute: a new version)."""
    run_ = _run_or_404(request, pk)
    if action not in ("review", "lock", "recompute"):
        raise Http404
    if not can_operate(request.user):
        messages.error(request, _("工资按全市计算，区局范围的用户不能操作。"))
        return redirect("console-payroll-run", pk=run_.pk)
    form = MonthForm({"month": run_.month})
    form.is_valid()
    if action == "recompute":
        new = run(
            form,
            lambda: payroll_services.payroll_run_create(
                month=run_.month, by=request.user
            ),
        )
        if new is not None:
            return _after_compute(request, new)
    else:
        service = {
            "review": payroll_services.payroll_run_review,
            "lock": payroll_services.payroll_run_lock,
        }[action]
        if run(form, lambda: service(run_, by=request.user)) is not None:
            messages.success(
                request,
                _("%(month)s第%(version)s版：%(status)s。")
                % {
                    "month": run_.month,
                    "version": run_.version,
                    "status": RunStatus(run_.status).label,
                },
            )
            return redirect("console-payroll-run", pk=run_.pk)
    messages.error(request, form_errors_text(form))
    return redirect("console-payroll-run", pk=run_.pk)


@require_GET
@role_required(*READERS)
def diff(request, pk: int):
    """What changed between this version and another (default: the one before)."""
    run_ = _run_or_404(request, pk)
    raw = request.GET.get("against", "")
    other = None
    if raw.isascii() and raw.isdigit():
        other = payroll_selectors.runs_visible_to(request.user).filter(pk=int(raw))
        other = other.first()
    other = other or _previous_version(run_)
    if other is None:
        messages.error(request, _("这个月只有一个版本，没有可比较的版本。"))
        return redirect("console-payroll-run", pk=run_.pk)
    result = payroll_selectors.run_diff(run_, other, request.user)
    for line in result["lines"]:
        for change in line["changes"]:
            change["label"] = DIFF_LABELS.get(change["field"], change["field"])
    return render(
        request,
        "console/payroll/diff.html",
        {"run": run_, "other": other, "diff": result},
    )


@require_GET
@role_required(*READERS)
def export(request, pk: int):
    run_ = _run_or_404(request, pk)
    lines = payroll_selectors.lines_of(run_, request.user)
    content = exports.run_xlsx(run_, lines, payroll_selectors.vendor_settlement(lines))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="payroll-{run_.month}-v{run_.version}.xlsx"'
    )
    return response
