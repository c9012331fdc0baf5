"""The console's navigation: each role sees only what it may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role, roles_of

#: (url name, label, roles that see it; None = staff only)
ITEMS = [
    ("console-home", _("工作台"), {Role.MANAGER, Role.FINANCE, Role.SUPERVISOR}),
    ("console-dispatcher", _("综合调度台"), {Role.DISPATCHER, Role.SUPERVISOR}),
    ("console-hotline", _("10000号坐席"), {Role.HOTLINE_AGENT, Role.SUPERVISOR}),
    ("console-technician", _("我的工单"), {Role.TECHNICIAN}),
    (
        "console-complaints",
        _("投诉处理台"),
        {
            Role.SUPERVISOR,
            Role.MANAGER,
            Role.DEPARTMENT_HANDLER,
            Role.HOTLINE_AGENT,
        },
    ),
    ("compensation-audit", _("补偿审核"), {Role.FINANCE, Role.MANAGER}),
    ("compensation-paid-list", _("已补偿清单"), {Role.FINANCE, Role.MANAGER}),
    ("console-payroll", _("计件工资"), {Role.MANAGER, Role.FINANCE}),
    (
        "reports-dashboard",
        _("质量分析"),
        {Role.MANAGER, Role.SUPERVISOR, Role.DISPATCHER},
    ),
    ("reports-warnings", _("质量预警"), {Role.MANAGER, Role.SUPERVISOR}),
    ("reports-stored", _("定时报表"), {Role.MANAGER}),
    (
        "api-docs",
        _("接口文档"),
        {Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.CRM},
    ),
    ("admin:index", _("管理后台"), None),
]


def navigation(request):
    """Context processor: ``nav`` for the signed-in user, in menu order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    roles = roles_of(user)
    nav = []
    for name, label, allowed in ITEMS:
        visible = user.is_staff if allowed is None else bool(roles & allowed)
        if visible:
            url = reverse(name)
            nav.append(
                {"url": url, "label": label, "active": request.path.startswith(url)}
            )
    # live counts (无人可派, escalations, warnings, approvals) for the desk roles
    counts_url = (
        reverse("console-dispatch-counts")
        if roles & {Role.DISPATCHER, Role.SUPERVISOR}
        else ""
    )
    return {"nav": nav, "user_roles": sorted(roles), "nav_counts_url": counts_url}
