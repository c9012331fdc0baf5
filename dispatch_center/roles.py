"""Roles are Django groups with the names fixed by API.md."""

from django.db import models
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", gettext_lazy("综合调度员")
    HOTLINE_AGENT = "hotline_agent", gettext_lazy("10000号坐席")
    TECHNICIAN = "technician", gettext_lazy("装维工程师")
    SUPERVISOR = "supervisor", gettext_lazy("班组长/审核")
    MANAGER = "manager", gettext_lazy("质量管控经理")
    FINANCE = "finance", gettext_lazy("财务/稽核")
    CRM = "crm", gettext_lazy("CRM系统")
    DEPARTMENT_HANDLER = "department_handler", gettext_lazy("责任部门处理人")


ALL_ROLES = frozenset(Role.values)


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per request and cached on the user.

    ``RoleTokenAuthentication`` fills the cache in the same query as the token.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        if user.is_superuser:
            cached = ALL_ROLES
        else:
            cached = frozenset(user.groups.values_list("name", flat=True)) & ALL_ROLES
        user._role_names = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))
