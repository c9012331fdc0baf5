from functools import cache

from django.utils.translation import gettext
from rest_framework.permissions import BasePermission

from .roles import Role, has_role, roles_of


class HasAnyRole(BasePermission):
    """Any authenticated user holding one of the API roles."""

    def has_permission(self, request, view):
        return bool(roles_of(request.user))


@cache  # one class per set of roles: views ask for it on every request
def role_permission(*roles: str):
    """A permission class admitting only the given roles."""

    class _RolePermission(BasePermission):
        @property
        def message(self):
            # read per request, in the user's language
            return gettext("此操作需要以下角色之一：%(roles)s。") % {
                "roles": gettext("、").join(str(Role(r).label) for r in roles)
            }

        def has_permission(self, request, view):
            return has_role(request.user, *roles)

    _RolePermission.__name__ = "Role_" + "_".join(roles)
    return _RolePermission
