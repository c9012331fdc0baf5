from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .caching import ProcessCache
from .roles import ALL_ROLES

_tokens = ProcessCache("AUTH_TOKEN_CACHE_SECONDS")


def token_cache_clear() -> None:
    _tokens.clear()


class RoleTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, resolving the user's roles in the same query.

    A CRM create is a hot path (bench/intake.py): one statement authenticates,
    authorises and loads the user's district scope and technician record, and
    its answer is kept per process for ``AUTH_TOKEN_CACHE_SECONDS`` (building
    that statement costs more CPU than running it). A revoked token, a
    deactivated user or a changed role therefore takes effect within that time.
    """

    def authenticate_credentials(self, key):
        return _tokens.get(key, lambda: self._load(key))

    @staticmethod
    def _load(key):
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
            raise AuthenticationFailed(gettext("Invalid token."))  # DRF's catalog
        user = row.user
        if not user.is_active:
            raise AuthenticationFailed(gettext("User inactive or deleted."))
        if user.is_superuser:
            user._role_names = ALL_ROLES
        else:
            user._role_names = frozenset(
                role for role in ALL_ROLES if getattr(row, f"_is_{role}")
            )
        return user, row
