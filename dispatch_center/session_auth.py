"""Signed-in console requests: the session and its user in two statements.

Django reads a signed-in request in four ORM queries (the session; the user;
later the user's groups for ``roles_of`` and the staff profile for the
district scope), each compiled anew. At province scale the desk's polls are
the bulk of the load (bench/console_load.py: 500 dispatchers polling four
panels every 15 s) and most of them answer ``304`` after a single index
probe, so those four queries were most of a poll's cost (py-spy of the
CRM burst: ≈ 24 % of gunicorn's CPU). Here:

- ``SessionStore``: Django's database sessions (same table, same encoding,
  same expiry), read by one statement built once per process; the signed
  text of a session is checked and decoded once per process.
- ``AuthenticationMiddleware``: Django's, but a session signed in through
  ``ModelBackend`` gets its user, roles and staff profile (district scope)
  from one statement built once per process. Nothing is cached between
  requests: a deactivated user, a changed role or a changed password takes
  effect on the next request, exactly as with Django's own path, and the
  session's hash is verified the same way (``SECRET_KEY_FALLBACKS`` too).
  Any other backend keeps Django's ``get_user``.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache, partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as _Django
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .roles import ALL_ROLES

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SessionStore(db.SessionStore):
    """``django.contrib.sessions.backends.db``, read by one statement built once
    per process (its signed text decoded once per process)."""

    def _get_session_from_db(self):
        model = self.model
        key = self.session_key  # None when the cookie's key is malformed
        row = None
        if key is not None:
            using = router.db_for_read(model)
            connection = connections[using]
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(_session_sql(model, connection.vendor), [key, now])
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])

    def decode(self, session_data):
        # A poll's session is the same signed text as the last poll's: its
        # signature is checked once per process and secret, not per request.
        # A copy, because the request may change its session (deep where a
        # value can change in place).
        decoded = _decoded(session_data, settings.SECRET_KEY, self.key_salt)
        return {
            key: value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
            for key, value in decoded.items()
        }


_IMMUTABLE = (str, int, float, bool, type(None))


@lru_cache(maxsize=4096)
def _decoded(session_data: str, secret_key: str, salt: str) -> dict:
    return db.SessionStore.decode(SessionStore(), session_data)


@cache
def _session_sql(model, vendor: str) -> str:
    meta = model._meta
    qn = connections[router.db_for_read(model)].ops.quote_name
    return (
        f"SELECT {qn(meta.get_field('session_data').column)} "
        f"FROM {qn(meta.db_table)} "
        f"WHERE {qn(meta.get_field('session_key').column)} = %s "
        f"AND {qn(meta.get_field('expire_date').column)} > %s"
    )


# --- the user ----------------------------------------------------------------


class _UserStatement:
    """The user, the staff profile and the role names in one statement:
    one row per group the user is in (one row when in none)."""

    def __init__(self, user_model, using: str):
        qn = connections[using].ops.quote_name
        self.user_model = user_model
        self.profile_rel = user_model._meta.get_field("staff_profile")
        self.profile_model = self.profile_rel.related_model
        membership = user_model._meta.get_field("groups").remote_field.through
        m_meta = membership._meta
        m_user = m_meta.get_field("user").column
        m_group = m_meta.get_field("group").column
        self.user_fields = [f.attname for f in user_model._meta.concrete_fields]
        self.profile_fields = [
            f.attname for f in self.profile_model._meta.concrete_fields
        ]
        u, p, m, g = "u", "p", "m", "g"
        columns = [
            *(f"{u}.{qn(f.column)}" for f in user_model._meta.concrete_fields),
            *(f"{p}.{qn(f.column)}" for f in self.profile_model._meta.concrete_fields),
            f"{g}.{qn(Group._meta.get_field('name').column)}",
        ]
        pk = qn(user_model._meta.pk.column)
        profile_user = qn(self.profile_rel.field.column)
        self.sql = (
            f"SELECT {', '.join(columns)} "
            f"FROM {qn(user_model._meta.db_table)} {u} "
            f"LEFT JOIN {qn(self.profile_model._meta.db_table)} {p} "
            f"ON {p}.{profile_user} = {u}.{pk} "
            f"LEFT JOIN {qn(m_meta.db_table)} {m} ON {m}.{qn(m_user)} = {u}.{pk} "
            f"LEFT JOIN {qn(Group._meta.db_table)} {g} "
            f"ON {g}.{qn(Group._meta.pk.column)} = {m}.{qn(m_group)} "
            f"WHERE {u}.{pk} = %s"
        )
        self.profile_pk_at = len(self.user_fields) + [
            f.primary_key for f in self.profile_model._meta.concrete_fields
        ].index(True)

    def load(self, user_id, using: str):
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, [user_id])
            rows = cursor.fetchall()
        if not rows:
            return None
        first = rows[0]
        n_user = len(self.user_fields)
        user = self.user_model.from_db(using, self.user_fields, first[:n_user])
        profile = None
        if first[self.profile_pk_at] is not None:
            values = first[n_user : n_user + len(self.profile_fields)]
            profile = self.profile_model.from_db(using, self.profile_fields, values)
            self.profile_rel.field.set_cached_value(profile, user)
        self.profile_rel.set_cached_value(user, profile)
        if user.is_superuser:
            user._role_names = ALL_ROLES
        else:
            user._role_names = frozenset(row[-1] for row in rows) & ALL_ROLES
        return user


@cache
def _user_statement(user_model, using: str) -> _UserStatement:
    return _UserStatement(user_model, using)


def load_user(user_id):
    """The active user ``user_id`` with roles and staff profile, or None —
    what ``ModelBackend.get_user`` answers, plus what a desk reads next."""
    user_model = auth.get_user_model()
    try:
        user_id = user_model._meta.pk.to_python(user_id)
    except ValidationError:  # a session whose user id is not one
        return None
    using = router.db_for_read(user_model)
    user = _user_statement(user_model, using).load(user_id, using)
    if user is None or not getattr(user, "is_active", True):
        return None
    return user


def get_user(request):
    """``django.contrib.auth.get_user``, with ``load_user`` for ``ModelBackend``."""
    session = request.session
    backend_path = session.get(BACKEND_SESSION_KEY)
    if (
        backend_path != MODEL_BACKEND
        or backend_path not in settings.AUTHENTICATION_BACKENDS
        or SESSION_KEY not in session
        or auth.get_user_model()._meta.label != "auth.User"
    ):
        return auth.get_user(request)
    user = load_user(session[SESSION_KEY])
    if user is None:
        return AnonymousUser()
    # Verify the session exactly as django.contrib.auth.get_user does.
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback_auth_hash)
        for fallback_auth_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(_Django):
    """Django's ``AuthenticationMiddleware`` with ``get_user`` above."""

    def process_request(self, request):
        super().process_request(request)  # its checks, and ``auser``
        request.user = SimpleLazyObject(partial(_cached_user, request))
        request.auser = partial(auser, request)
