"""docker-compose.yml and Dockerfile, checked by parsing them.

No Docker engine runs where the tests run, so these tests read the files: the
five services, their commands and health checks, and that the app containers
are configured only through variables that ``dispatch_center/settings.py``
really reads (a misspelt variable would be silently ignored in production).
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "dispatch_center" / "settings.py"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

WORKERS = ("worker", "worker-dispatch", "worker-notifications", "worker-reports")
SERVICES = {"postgres", "postgres-replica", "redis", "web", *WORKERS, "beat"}
APP_SERVICES = ("web", *WORKERS, "beat")

# How settings.py reads the environment: env.str("X"), env.db_url(\n "X"),
# environ.Env().str("X"), env("X"), _bool("X"), os.environ.get/getenv("X").
_ENV_READS = [
    re.compile(r'(?:\benv|environ\.Env\(\))(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"'),
    re.compile(r'\b_bool\(\s*"([A-Z][A-Z0-9_]*)"'),
    re.compile(r'\bos\.(?:environ\.get|getenv)\(\s*"([A-Z][A-Z0-9_]*)"'),
    re.compile(r'\bos\.environ\[\s*"([A-Z][A-Z0-9_]*)"\s*\]'),
]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def settings_env_names() -> set[str]:
    # gunicorn reads its own variables (WEB_CONCURRENCY) from gunicorn.conf.py.
    source = SETTINGS_FILE.read_text(encoding="utf-8") + GUNICORN_CONF.read_text(
        encoding="utf-8"
    )
    names: set[str] = set()
    for pattern in _ENV_READS:
        names.update(pattern.findall(source))
    return names


def _command(service: dict) -> str:
    """The service's command as one string (list form joined, sh -c unwrapped)."""
    command = service["command"]
    if isinstance(command, str):
        return command
    if command[:2] == ["sh", "-c"] or command[:2] == ["/bin/sh", "-c"]:
        return command[2]
    return shlex.join(command)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["NAME=value", ...] form
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return dict(env)


def _healthcheck_test(service: dict) -> str:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    assert test[0] in {"CMD", "CMD-SHELL"}, test
    return " ".join(test[1:])


def test_settings_regex_finds_the_core_variables(settings_env_names):
    # Guards the scan itself: if settings.py changed style, fix _ENV_READS.
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG"} <= (
        settings_env_names
    )


def test_exactly_these_services(compose):
    assert set(compose["services"]) == SERVICES


def test_web_migrates_then_runs_gunicorn(compose):
    command = _command(compose["services"]["web"])
    assert "python manage.py migrate --noinput" in command
    assert "gunicorn dispatch_center.wsgi:application -b 0.0.0.0:8000" in command
    assert command.index("migrate") < command.index("gunicorn")
    # Only a successful migration may start the server.
    assert "&& exec gunicorn" in command


def _gunicorn_conf(monkeypatch, **environ) -> dict:
    # the conf file sets PROMETHEUS_MULTIPROC_DIR when unset: keep it local
    environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/nonexistent/prometheus")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    values: dict = {}
    exec(GUNICORN_CONF.read_text(encoding="utf-8"), values)
    return values


def test_gunicorn_runs_one_sync_worker_per_cpu_plus_one(monkeypatch):
    import multiprocessing

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = _gunicorn_conf(monkeypatch)
    assert conf["workers"] == multiprocessing.cpu_count() + 1
    assert conf["worker_class"] == "sync"
    assert conf["control_socket_disable"] is True
    assert _gunicorn_conf(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5


def test_the_image_and_web_service_leave_workers_to_the_conf_file(compose):
    # The Dockerfile copies the project to /app and starts there, where gunicorn
    # finds gunicorn.conf.py; a --workers flag would override it.
    command = _command(compose["services"]["web"])
    assert "--workers" not in command and " -w " not in command
    cmd_line = next(
        line for line in DOCKERFILE.read_text().splitlines() if line.startswith("CMD")
    )
    assert "gunicorn" in cmd_line and "--workers" not in cmd_line
    assert "WORKDIR /app" in DOCKERFILE.read_text()


def test_worker_and_beat_run_celery(compose):
    beat = _command(compose["services"]["beat"])
    assert beat.startswith("celery -A dispatch_center beat -l info")
    consumed = []
    for name in WORKERS:
        worker = shlex.split(_command(compose["services"][name]))
        assert worker[:6] == ["celery", "-A", "dispatch_center", "worker", "-l", "info"]
        assert "-B" not in worker, "beat runs in its own service"
        consumed += worker[worker.index("-Q") + 1].split(",")
    # every queue of settings.CELERY_TASK_QUEUES has exactly one worker service
    from django.conf import settings

    assert sorted(consumed) == sorted(settings.CELERY_TASK_QUEUES)


def test_the_replica_is_a_pg_basebackup_of_the_primary(compose):
    services = compose["services"]
    primary = " ".join(services["postgres"]["command"])
    assert "wal_level=replica" in primary and "max_wal_senders=10" in primary
    hba = ROOT / "scripts" / "compose" / "replication-hba.sh"
    assert "host replication" in hba.read_text()
    assert any("replication-hba.sh" in v for v in services["postgres"]["volumes"])
    replica = _command(services["postgres-replica"])
    assert "pg_basebackup -h postgres" in replica and " -R " in replica
    assert "@postgres-replica:5432/" in compose["x-app-env"]["DATABASE_REPLICA_URL"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(compose, name):
    service = compose["services"][name]
    assert "healthcheck" in service, f"{name} has no healthcheck"
    assert not service["healthcheck"].get("disable", False)
    assert _healthcheck_test(service).strip()


def test_healthchecks_probe_the_right_thing(compose):
    services = compose["services"]
    assert "pg_isready" in _healthcheck_test(services["postgres"])
    assert "redis-cli ping" in _healthcheck_test(services["redis"])
    web = _healthcheck_test(services["web"])
    assert "urllib" in web and "http://localhost:8000/healthz" in web
    for name in WORKERS:
        worker = _healthcheck_test(services[name])
        # $$ is compose's escape for a literal $, expanded by the container shell.
        assert "celery -A dispatch_center inspect ping -d celery@$$HOSTNAME" in worker
        assert services[name]["healthcheck"]["test"][0] == "CMD-SHELL"
    beat = _healthcheck_test(services["beat"])
    assert "/tmp/celerybeat.pid" in beat
    # the beat's own check: the schedule still publishes (not web's /healthz)
    assert "python manage.py jobs_check --beat 180" in beat
    assert "--pidfile /tmp/celerybeat.pid" in _command(services["beat"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_dependencies(compose, name):
    depends_on = compose["services"][name]["depends_on"]
    assert isinstance(depends_on, dict), "use the long form with conditions"
    assert {"postgres", "redis"} <= set(depends_on)
    if name != "web":
        assert "web" in depends_on, "worker/beat must start after web migrated"
    for dependency, spec in depends_on.items():
        assert spec == {"condition": "service_healthy"}, (name, dependency)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_env_only_uses_variables_settings_read(compose, settings_env_names, name):
    env = _environment(compose["services"][name])
    assert env, f"{name} has no environment"
    unknown = set(env) - settings_env_names
    assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_app_services_share_the_x_app_env_anchor(compose):
    shared = compose["x-app-env"]
    for name in APP_SERVICES:
        assert _environment(compose["services"][name]) == shared
    assert "@postgres:5432/" in shared["DATABASE_URL"]
    assert shared["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert shared["DISPATCH_ENV"] == "production"


_REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z_]+):\?[^}]+\}$")


def test_secret_key_and_database_password_have_no_default(compose):
    # ${NAME:?message}: compose refuses to start without the variable, so a
    # shipped default can never silence the production SECRET_KEY guard.
    shared = compose["x-app-env"]
    assert _REQUIRED.match(shared["SECRET_KEY"]).group("name") == "SECRET_KEY"
    password = _environment(compose["services"]["postgres"])["POSTGRES_PASSWORD"]
    assert _REQUIRED.match(password).group("name") == "POSTGRES_PASSWORD"
    assert f":{password}@postgres:" in shared["DATABASE_URL"]


def test_gunicorn_gives_prometheus_a_multiprocess_directory(monkeypatch):
    import os

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    values: dict = {}
    exec(GUNICORN_CONF.read_text(encoding="utf-8"), values)
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert Path(directory).is_dir()
    Path(directory, "histogram_1.db").write_bytes(b"old")
    values["on_starting"](None)
    assert list(Path(directory).iterdir()) == []
    assert callable(values["child_exit"])
    Path(directory).rmdir()


def test_postgres_service_only_gets_image_variables(compose):
    env = _environment(compose["services"]["postgres"])
    assert env and all(name.startswith("POSTGRES_") for name in env)
    database_url = compose["x-app-env"]["DATABASE_URL"]
    assert f"//{env['POSTGRES_USER']}:" in database_url
    assert database_url.endswith(f"/{env['POSTGRES_DB']}")


def test_dockerfile_builds_a_non_root_image():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    assert "pip install" in text
    assert "collectstatic --noinput" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
