"""Signed-in console requests read the session and the user in two statements
(dispatch_center/session_auth.py), and still behave exactly as Django's own
path: a change to the user takes effect on the very next request."""

import datetime as dt

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch_center import session_auth
from dispatch_center.roles import ALL_ROLES, roles_of
from org.selectors import user_district_id

from .conftest import make_user

DESK = "/console/dispatch/"
QUEUE = "/console/dispatch/queue/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_signed_in(response) -> bool:
    return response.status_code == 200


@pytest.fixture
def district_dispatcher(org):
    return make_user("d-d2", "dispatcher", "hotline_agent", district="D2")


def test_a_poll_reads_session_user_roles_and_district_in_two_statements(
    district_dispatcher,
):
    client = signed_in(district_dispatcher)
    etag = client.get(QUEUE)["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    sqls = [q["sql"] for q in ctx.captured_queries]
    auth_reads = [
        s for s in sqls if "django_session" in s or "auth_" in s or "staffprofile" in s
    ]
    assert len(auth_reads) == 2, sqls
    assert "django_session" in auth_reads[0]
    assert "auth_group" in auth_reads[1] and "staffprofile" in auth_reads[1]


def test_the_user_read_in_one_statement_equals_djangos(org):
    two_roles = make_user("two", "dispatcher", "supervisor", district="D2")
    no_profile = make_user("city", "dispatcher")
    no_roles = make_user("nobody")
    no_roles.groups.add(Group.objects.create(name="not-a-role"))
    boss = User.objects.create_superuser("boss", password="pass-boss")
    for user in (two_roles, no_profile, no_roles, boss):
        fast = session_auth.load_user(user.pk)
        slow = User.objects.get(pk=user.pk)
        assert fast == slow and fast.password == slow.password
        assert fast.last_login == slow.last_login
        expected = (roles_of(slow), user_district_id(slow))
        with CaptureQueriesContext(connection) as ctx:
            assert (roles_of(fast), user_district_id(fast)) == expected
        assert len(ctx.captured_queries) == 0  # read with the user
    assert session_auth.load_user(two_roles.pk)._role_names == {
        "dispatcher",
        "supervisor",
    }
    assert session_auth.load_user(boss.pk)._role_names == ALL_ROLES
    assert session_auth.load_user(no_roles.pk)._role_names == frozenset()
    assert user_district_id(session_auth.load_user(no_profile.pk)) is None
    assert session_auth.load_user(999_999) is None
    assert session_auth.load_user("not-an-id") is None


def test_a_deactivated_user_is_signed_out_on_the_next_request(district_dispatcher):
    client = signed_in(district_dispatcher)
    assert is_signed_in(client.get(DESK))
    User.objects.filter(pk=district_dispatcher.pk).update(is_active=False)
    response = client.get(DESK)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_removed_role_takes_effect_on_the_next_request(district_dispatcher):
    client = signed_in(district_dispatcher)
    assert is_signed_in(client.get(DESK))
    district_dispatcher.groups.remove(Group.objects.get(name="dispatcher"))
    assert client.get(DESK).status_code == 403


def test_a_moved_dispatcher_sees_the_new_district_on_the_next_request(
    district_dispatcher,
):
    from org.models import District, StaffProfile

    client = signed_in(district_dispatcher)
    assert is_signed_in(client.get(DESK))
    StaffProfile.objects.filter(user=district_dispatcher).update(
        district=District.objects.exclude(code="D2").first()
    )
    request = client.get(DESK).wsgi_request
    assert user_district_id(request.user) != District.objects.get(code="D2").pk


def test_a_password_changed_elsewhere_signs_this_session_out(district_dispatcher):
    client = signed_in(district_dispatcher)
    assert is_signed_in(client.get(DESK))
    user = User.objects.get(pk=district_dispatcher.pk)
    user.set_password("a-new-password")
    user.save()
    response = client.get(DESK)
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=client.session.session_key).exists()


def test_a_rotated_secret_key_keeps_sessions_signed_in(district_dispatcher, settings):
    client = signed_in(district_dispatcher)
    old_key = client.session.session_key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    response = client.get(DESK)
    assert is_signed_in(response)
    # Django's rule: the session is re-keyed and its hash re-signed
    assert client.session.session_key != old_key
    assert client.session[HASH_SESSION_KEY] == (
        User.objects.get(pk=district_dispatcher.pk).get_session_auth_hash()
    )
    assert is_signed_in(client.get(DESK))


def test_without_the_fallback_a_new_secret_key_signs_out(district_dispatcher, settings):
    client = signed_in(district_dispatcher)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert client.get(DESK).status_code == 302


def test_an_expired_session_is_signed_out(district_dispatcher):
    client = signed_in(district_dispatcher)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(DESK).status_code == 302


def test_a_session_with_a_malformed_user_id_is_anonymous_not_an_error(
    district_dispatcher,
):
    client = signed_in(district_dispatcher)
    session = client.session
    session[SESSION_KEY] = "not-an-id"
    session.save()
    assert client.get(DESK).status_code == 302


def test_a_session_of_an_unknown_backend_is_anonymous(district_dispatcher):
    client = signed_in(district_dispatcher)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    assert client.get(DESK).status_code == 302


def test_signing_in_and_out_through_the_pages(district_dispatcher):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "d-d2", "password": "pass-d-d2"}
    )
    assert response.status_code == 302
    assert is_signed_in(client.get(DESK))
    client.post("/accounts/logout/")
    assert client.get(DESK).status_code == 302


def test_a_session_changed_in_one_request_is_not_changed_for_the_next(
    district_dispatcher,
):
    """The decoded session is kept per process: a request that changes its
    session in place must not change what the next request reads."""
    from dispatch_center.session_auth import SessionStore

    client = signed_in(district_dispatcher)
    session = client.session
    session["filters"] = {"district": "D2"}
    session.save()
    first = SessionStore(session.session_key)
    first["filters"]["district"] = "D1"  # changed, not saved
    assert SessionStore(session.session_key)["filters"] == {"district": "D2"}


def test_a_tampered_session_is_empty(district_dispatcher):
    client = signed_in(district_dispatcher)
    key = client.session.session_key
    row = Session.objects.get(session_key=key)
    Session.objects.filter(session_key=key).update(
        session_data=row.session_data[:-3] + "abc"
    )
    assert client.get(DESK).status_code == 302
