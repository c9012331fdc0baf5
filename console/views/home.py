"""Each role's home: its work and its numbers, not a list of links.

Managers: today's and this month's key figures against target, open
warnings, escalations by level, overdue complaints, claims nearing the 7-day
pay limit. Finance: claims to audit, pay-by nearing, paid this month.
Supervisors: approvals waiting (and the back office's complaints). A user
with several of these roles sees each part.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch_center.console import role_required
from dispatch_center.roles import Role, roles_of

from .. import home_selectors as selectors

HOME_ROLES = (Role.MANAGER, Role.FINANCE, Role.SUPERVISOR)


@require_GET
@role_required(*HOME_ROLES)
def home(request):
    now = timezone.now()
    today = timezone.localdate(now)
    roles = roles_of(request.user)
    context = {"now": now}
    if Role.MANAGER in roles:
        context["manager"] = selectors.manager_home(request.user, now=now, today=today)
    if Role.FINANCE in roles:
        context["finance"] = selectors.finance_home(request.user, now=now, today=today)
    if Role.SUPERVISOR in roles:
        context["supervisor"] = selectors.supervisor_home(request.user, now=now)
    return render(request, "console/home/home.html", context)
