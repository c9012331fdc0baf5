from django.db.models import Exists, OuterRef
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .roles import ALL_ROLES


class RoleTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, resolving the user's roles in the same query.

    A CRM create is a hot path (bench/intake.py): one statement authenticates,
    authorises and loads the user's district scope and technician record.
    """

    def authenticate_credentials(self, key):
        from django.contrib.auth.models import Group

        role_flags = {
            f"_is_{role}": Exists(
                Group.objects.filter(user=OuterRef("user_id"), name=role)
            )
            for role in sorted(ALL_ROLES)
        }
        row = (
            Token.objects.select_related(
                "user", "user__staff_profile", "user__technician"
            )
            .annotate(**role_flags)
            .filter(key=key)
            .first()
        )
        if row is None:
            raise AuthenticationFailed("Invalid token.")
        user = row.user
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if user.is_superuser:
            user._role_names = ALL_ROLES
        else:
            user._role_names = frozenset(
                role for role in ALL_ROLES if getattr(row, f"_is_{role}")
            )
        return user, row
