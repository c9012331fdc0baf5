"""A throwaway PostgreSQL 15 for the benchmarks (/work/shared/RECIPES.md).

``initdb`` into a temporary directory, ``pg_ctl start`` on a free loopback
port (as the ``postgres`` user through ``runuser`` when we are root:
PostgreSQL refuses to run as root), and ``stop()`` that is safe to call more
than once and removes the directory. Each benchmark passes the server
settings it wants on top of ``fsync=off``.

With ``data_dir`` the cluster lives there instead and is kept on ``stop()``
(a benchmark can load once and measure several times): ``initdb`` only when
the directory holds no cluster yet.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

IS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin_dir() -> Path:
    try:
        listing = subprocess.run(
            ["dpkg", "-L", "postgresql-15"], capture_output=True, text=True, check=True
        ).stdout
        for line in listing.splitlines():
            if line.endswith("/bin/initdb"):
                return Path(line).parent
    except (OSError, subprocess.CalledProcessError):
        pass
    fallback = Path("/usr/lib/postgresql/15/bin")
    if (fallback / "initdb").exists():
        return fallback
    sys.exit("PostgreSQL 15 not found: apt-get install postgresql-15")


def as_pg(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: use the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


class Postgres:
    """A throwaway server; ``stop()`` is safe to call more than once."""

    def __init__(
        self,
        name: str,
        *,
        fsync: bool = False,
        data_dir: Path | None = None,
        **settings: str,
    ):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        self.tmp.chmod(0o755)  # the postgres user must reach tmp/pg
        self.bin = pg_bin_dir()
        self.persistent = data_dir is not None
        self.dir = Path(data_dir).resolve() if data_dir else self.tmp / "pg"
        self.data = self.dir / "data"
        self.port = 0
        self.fsync = fsync
        self.settings = settings
        self.started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def initdb(self) -> None:
        subprocess.run(
            as_pg(
                [
                    str(self.bin / "initdb"),
                    *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
                    *("-E", "UTF8", "--locale=C.UTF-8"),
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if IS_ROOT:
            shutil.chown(self.dir, "postgres")
        self.port = self.port or free_port()  # a restart keeps the port
        if not self.initialised:
            self.initdb()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.dir),
            "fsync": "on" if self.fsync else "off",
            **self.settings,
        }
        self.started = True
        subprocess.run(
            as_pg(
                [
                    str(self.bin / "pg_ctl"),
                    *("-D", str(self.data), "-l", str(self.dir / "server.log")),
                    *("-w", "-t", "60"),
                    *("-o", " ".join(f"-c {k}={v}" for k, v in settings.items())),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            start_new_session=True,  # Ctrl-C reaches us, not the postmaster
        )
        print(
            f"[bench] PostgreSQL 15 on 127.0.0.1:{self.port} "
            f"(fsync={settings['fsync']})",
            file=sys.stderr,
            flush=True,
        )

    def psql(self, script: str, *, tuples_only: bool = False) -> str:
        """Run ``script`` (stdin) and return what psql printed."""
        out = subprocess.run(
            [
                str(self.bin / "psql"),
                *("-X", "-q", "-v", "ON_ERROR_STOP=1"),
                *(["-t", "-A"] if tuples_only else []),
                *("-h", "127.0.0.1", "-p", str(self.port)),
                *("-U", "postgres", "-d", "postgres"),
            ],
            input=script,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.strip() if tuples_only else out

    def restart(self, *, fsync: bool) -> None:
        """Stop the server (keeping its data) and start it with ``fsync``."""
        self.stop_server()
        self.fsync = fsync
        self.start()

    def stop_server(self) -> None:
        if self.started:
            self.started = False
            ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w"]
            # a kept cluster gets time for its shutdown checkpoint
            timeout = "600" if self.persistent else "30"
            stopped = subprocess.run(
                as_pg([*ctl, "-t", timeout, "-m", "fast", "stop"]), capture_output=True
            )
            if stopped.returncode != 0:
                subprocess.run(
                    as_pg([*ctl, "-m", "immediate", "stop"]), capture_output=True
                )

    def stop(self) -> None:
        self.stop_server()
        shutil.rmtree(self.tmp, ignore_errors=True)  # a data_dir stays


def insert_select(model, source: str, overrides: dict[str, str]) -> tuple[str, list]:
    """``INSERT INTO <model table> (every column) SELECT <overrides or model
    defaults> FROM <source>`` (``source`` without the ``FROM``).

    Columns not in ``overrides`` take the model default (as a parameter), so
    the statement keeps up with fields other issues add; a required column
    without a default is an error naming it.
    """
    from django.db import connection

    columns, expressions, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.attname in overrides:
            expressions.append(overrides[f.attname])
            continue
        default = f.get_default()
        if default is None and not f.null:
            raise RuntimeError(f"bench: no value for {model.__name__}.{f.attname}")
        expressions.append("%s")
        params.append(f.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    return sql, params
