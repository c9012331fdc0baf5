"""The persistent connection's health check (dispatch_center/postgresql):
no round trip while the connection is sound, Django's ``SELECT 1`` and a new
connection once the server has dropped it."""

import time

import psycopg2
import pytest
from django.db import connections

from dispatch_center.postgresql.base import DatabaseWrapper, server_has_spoken

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def db():
    return connections["default"]


@pytest.fixture
def checks(monkeypatch):
    """Each request's health check on: the settings in use, and a count of
    Django's ``SELECT 1`` checks."""
    assert isinstance(db(), DatabaseWrapper)
    monkeypatch.setattr(db(), "health_check_enabled", True)
    sent = []
    real = DatabaseWrapper.is_usable

    def is_usable(self):
        sent.append(self.alias)
        return real(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", is_usable)
    return sent


def new_request():
    """What Django does when a request starts (``close_old_connections``)."""
    db().close_if_unusable_or_obsolete()


def backend_pid() -> int:
    with db().cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_sound_connection_is_checked_without_a_round_trip(checks):
    first = backend_pid()
    for _ in range(3):
        new_request()
        assert backend_pid() == first
    assert checks == []


def test_a_connection_the_server_dropped_is_replaced_before_the_request_uses_it(
    checks,
):
    dropped = backend_pid()
    other = psycopg2.connect(**db().get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while not server_has_spoken(db().connection):
        assert time.monotonic() < deadline, "the server's goodbye never came"
        time.sleep(0.01)
    new_request()
    assert backend_pid() != dropped  # a new connection, and no error
    assert checks == ["default"]  # Django's own check decided
