from rest_framework.permissions import BasePermission

from .roles import has_role, roles_of


class HasAnyRole(BasePermission):
    """Any authenticated user holding one of the API roles."""

    def has_permission(self, request, view):
        return bool(roles_of(request.user))


def role_permission(*roles: str):
    """A permission class admitting only the given roles."""

    class _RolePermission(BasePermission):
        message = "This action needs one of the roles: " + ", ".join(roles)

        def has_permission(self, request, view):
            return has_role(request.user, *roles)

    _RolePermission.__name__ = "Role_" + "_".join(roles)
    return _RolePermission
