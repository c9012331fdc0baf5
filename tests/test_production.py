"""The production shape (DISPATCH_ENV=production): hardened by default.

``manage.py check --deploy`` runs in a subprocess with the environment
docker-compose gives the app containers and must report no issue at all:
HSTS, secure cookies, HTTPS redirect behind the proxy, DEBUG off, a real key.
Sign-ins on the console and the admin are throttled and locked out by
django-axes; passwords go through Django's four validators.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import make_user

ROOT = Path(__file__).resolve().parent.parent


def _manage(tmp_path, *args, **environ):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DISPATCH_ENV", "DATABASE_URL"}
    }
    env.update(DISPATCH_VAR_DIR=str(tmp_path), **environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_in_the_production_shape(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DISPATCH_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="dispatch.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(tmp_path, "check", DISPATCH_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_the_demo_shape_is_not_hardened_for_https(settings):
    # run.sh serves plain HTTP on 127.0.0.1: no redirect, cookies over HTTP.
    assert settings.PRODUCTION is False
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False


def test_seed_demo_refuses_to_run_in_production(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--days", "1")
    from org.models import District

    assert not District.objects.exists()


@pytest.mark.parametrize(
    "password", ["12345678", "password1", "short", "20261120", "crmsystem"]
)
def test_weak_passwords_are_refused(password, django_user_model, db):
    user = django_user_model(username="crmsystem")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_passes(django_user_model, db):
    validate_password("灌云-通灌北路-2026!", django_user_model(username="crm"))


def _sign_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_repeated_wrong_passwords_lock_the_sign_in(url, org, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = make_user("agent", "hotline_agent")
    user.is_staff = True
    user.save()
    client = Client()
    for _ in range(2):
        wrong = _sign_in(client, url, "agent", "wrong")
        assert wrong.status_code == 200  # the form again, with its error
    third = _sign_in(client, url, "agent", "wrong")
    assert third.status_code == 429
    assert "登录已锁定" in third.content.decode()
    # now even the right password is refused, and nobody is signed in
    locked = _sign_in(client, url, "agent", "pass-agent")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_resets_the_failure_count(org, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("agent", "hotline_agent")
    client = Client()
    for _ in range(2):
        _sign_in(client, "/accounts/login/", "agent", "wrong")
    assert (
        _sign_in(client, "/accounts/login/", "agent", "pass-agent").status_code == 302
    )
    client.logout()
    for _ in range(2):
        assert _sign_in(client, "/accounts/login/", "agent", "wrong").status_code == 200
