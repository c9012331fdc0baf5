"""The console's navigation: each role sees only what it may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role, roles_of

#: (url name, label, roles that see it; None = staff only)
ITEMS = [
    ("compensation-paid-list", _("已补偿清单"), {Role.FINANCE, Role.MANAGER}),
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
    return {"nav": nav, "user_roles": sorted(roles)}
