#!/usr/bin/env bash
# Lint and run the whole test suite against real services.
#
#   ./scripts/test.sh                       # everything
#   ./scripts/test.sh -k sla -x             # extra arguments go to pytest
#   DISPATCH_TEST_RUNS=sqlite ./scripts/test.sh tests/test_x.py   # one run only
#   ./scripts/test.sh --services-check      # only start/check/stop the services
#
# Steps:
#   1. set up .venv (scripts/setup_venv.sh);
#   2. lint: `ruff check .` and `lint-imports` (stop here if either fails);
#   3. make sure redis-server and PostgreSQL 15 are installed (apt-get if not),
#      and Debian's chromium + Chinese fonts for the browser tests (best
#      effort: without them those tests skip);
#   4. start a throwaway PostgreSQL 15 and a throwaway Redis on free loopback
#      ports, in a temporary directory that is removed on exit (also on
#      failure and Ctrl-C); for the postgres run also a streaming replica of
#      that PostgreSQL (pg_basebackup -R), for the replica router's tests
#      (TEST_REPLICA_URL; the suite itself is not routed to it);
#   5. run pytest twice, each run with its own DISPATCH_VAR_DIR:
#        postgres: DATABASE_URL=postgres://..., Celery broker = that Redis;
#        sqlite:   no DATABASE_URL (SQLite), broker = that Redis, -m "not postgres".
# Exits non-zero when any step fails; pytest's exit 5 ("no tests ran") is a
# failure too. The last lines are one summary per run:
#   postgres: 120 passed, 0 failed, 3 skipped
#
# DISPATCH_TEST_RUNS ("postgres sqlite" by default) picks the runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

SERVICES_CHECK=0
if [ "${1:-}" = "--services-check" ]; then
    SERVICES_CHECK=1
    shift
fi
RUNS="${DISPATCH_TEST_RUNS:-postgres sqlite}"
for run in $RUNS; do
    case "$run" in
    postgres | sqlite) ;;
    *) die "DISPATCH_TEST_RUNS: unknown run '$run' (use postgres and/or sqlite)" ;;
    esac
done
want_run() { case " $RUNS " in *" $1 "*) return 0 ;; *) return 1 ;; esac }

# --- virtualenv and environment ----------------------------------------------
"$ROOT/scripts/setup_venv.sh"
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export PYTHONUNBUFFERED=1
# this checkout first (a shared or editable venv may point at another one)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export POLICY_CACHE_SECONDS=0 # tests change policy rows and expect them at once
export DEBIAN_FRONTEND=noninteractive # apt-get must never prompt (CI has no stdin)

# --- lint ----------------------------------------------------------------------
if [ "$SERVICES_CHECK" = 0 ]; then
    log "ruff check ."
    ruff check . || die "ruff check failed"
    log "lint-imports"
    lint-imports || die "lint-imports (import-linter contracts) failed"
fi

# --- scratch directory, removed on any exit -------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dispatch-test.XXXXXX")"
chmod 755 "$WORK" # the postgres user must be able to reach $WORK/pg
PG_BIN=""
PG_DATA="$WORK/pg/data"
PG_STARTED=0
PG_REPLICA="$WORK/pg/replica"
REPLICA_STARTED=0
REDIS_PIDFILE="$WORK/redis.pid"

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

# Run a PostgreSQL binary: as the postgres user when we are root (PostgreSQL
# refuses to run as root), directly otherwise.
as_pg() {
    if [ "$IS_ROOT" = 1 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$? pid
    trap '' INT TERM HUP # finish the clean-up even on a second Ctrl-C
    if [ "$REPLICA_STARTED" = 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_REPLICA" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ "$PG_STARTED" = 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 \
            || true
    fi
    if [ -s "$REDIS_PIDFILE" ]; then
        pid="$(cat "$REDIS_PIDFILE")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- system packages -------------------------------------------------------------
# Run as root, via passwordless sudo when we are not root.
as_root() {
    if [ "$IS_ROOT" = 1 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        log "not root and no passwordless sudo: cannot run '$*'"
        return 1
    fi
}

APT_UPDATED=0
# apt_install PKG... : quiet install; apt's output is shown only on failure.
apt_install() {
    log "apt-get install $*"
    if [ "$APT_UPDATED" = 0 ]; then
        if ! as_root apt-get update -qq >"$WORK/apt.log" 2>&1; then
            tail -n 20 "$WORK/apt.log" >&2
            return 1
        fi
        APT_UPDATED=1
    fi
    if ! as_root apt-get install -y -qq "$@" >>"$WORK/apt.log" 2>&1; then
        tail -n 20 "$WORK/apt.log" >&2
        return 1
    fi
}

if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server || die "could not install redis-server"
fi

find_pg_bin() {
    local initdb
    initdb="$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/initdb$' | head -n 1 || true)"
    [ -n "$initdb" ] && dirname "$initdb"
}
if want_run postgres || [ "$SERVICES_CHECK" = 1 ]; then
    PG_BIN="$(find_pg_bin || true)"
    if [ -z "$PG_BIN" ]; then
        apt_install postgresql-15 || die "could not install postgresql-15"
        PG_BIN="$(find_pg_bin || true)"
        [ -n "$PG_BIN" ] || die "postgresql-15 is installed but initdb was not found"
    fi
fi

# Browser tests: best effort. Without chromium they skip (with a reason).
if [ "$SERVICES_CHECK" = 0 ]; then
    browser_pkgs=()
    command -v chromium >/dev/null 2>&1 || browser_pkgs+=(chromium)
    dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || browser_pkgs+=(fonts-wqy-microhei)
    if [ "${#browser_pkgs[@]}" -gt 0 ]; then
        apt_install "${browser_pkgs[@]}" \
            || log "warning: could not install ${browser_pkgs[*]}; browser tests will skip"
    fi
fi

# --- services ------------------------------------------------------------------------
free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    PG_PORT="$(free_port)"
    mkdir -p "$WORK/pg"
    if [ "$IS_ROOT" = 1 ]; then
        chown postgres "$WORK/pg"
    fi
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$WORK/pg/initdb.log" 2>&1 \
        || { cat "$WORK/pg/initdb.log" >&2; die "initdb failed"; }
    # the replica streams over loopback as postgres
    echo "host replication postgres 127.0.0.1/32 trust" >>"$PG_DATA/pg_hba.conf"
    PG_STARTED=1
    # fsync=off etc.: a throwaway database, durability does not matter.
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c wal_level=replica -c max_wal_senders=4" \
        start >/dev/null; then
        tail -n 30 "$WORK/pg/server.log" >&2 || true
        die "PostgreSQL did not start"
    fi
    log "PostgreSQL 15 on 127.0.0.1:$PG_PORT"
}

# A hot standby of that server: pg_basebackup -R writes standby.signal and
# primary_conninfo, so it streams from the primary as soon as it starts.
start_replica() {
    REPLICA_PORT="$(free_port)"
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
        -D "$PG_REPLICA" -R -X stream >"$WORK/pg/basebackup.log" 2>&1 \
        || { cat "$WORK/pg/basebackup.log" >&2; die "pg_basebackup failed"; }
    REPLICA_STARTED=1
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_REPLICA" -l "$WORK/pg/replica.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$REPLICA_PORT -c unix_socket_directories=$WORK/pg -c hot_standby=on -c max_connections=200" \
        start >/dev/null; then
        tail -n 30 "$WORK/pg/replica.log" >&2 || true
        die "the PostgreSQL replica did not start"
    fi
    log "PostgreSQL replica on 127.0.0.1:$REPLICA_PORT"
}

start_redis() {
    REDIS_PORT="$(free_port)"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --dir "$WORK" \
        --logfile "$WORK/redis.log" \
        || die "redis-server did not start"
    # Ready when it answers PING (redis-py is a project dependency).
    python - "$REDIS_PORT" <<'PY' || { tail -n 20 "$WORK/redis.log" >&2; die "Redis does not answer"; }
import sys, time
import redis
client = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_timeout=1)
for _ in range(100):
    try:
        client.ping()
        sys.exit(0)
    except redis.exceptions.ConnectionError:
        time.sleep(0.1)
sys.exit(1)
PY
    log "Redis on 127.0.0.1:$REDIS_PORT"
}

if want_run postgres || [ "$SERVICES_CHECK" = 1 ]; then
    start_postgres
    start_replica
fi
start_redis
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export REDIS_URL="$CELERY_BROKER_URL"
PG_URL="postgres://postgres@127.0.0.1:${PG_PORT:-0}/postgres"

if [ "$SERVICES_CHECK" = 1 ]; then
    # Prove both servers answer over TCP, the way the tests will reach them.
    python - "$PG_URL" "$CELERY_BROKER_URL" <<'PY'
import sys
import psycopg2
import redis
with psycopg2.connect(sys.argv[1]) as conn, conn.cursor() as cur:
    cur.execute("SELECT version(), current_setting('fsync'), current_setting('max_connections')")
    print("postgres:", *cur.fetchone())
print("redis: PING ->", redis.Redis.from_url(sys.argv[2]).ping())
PY
    log "services check passed; stopping them"
    exit 0
fi

# --- pytest runs ------------------------------------------------------------------------
declare -A RC SUMMARY

# junit_counts FILE -> "N passed, N failed, N skipped" (failed includes errors)
junit_counts() {
    python - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 passed, 0 failed")
    sys.exit()
suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
tests = failed = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
passed = max(tests - failed - skipped, 0)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
}

# run_suite NAME [env assignments...] -- [pytest args...]
run_suite() {
    local name="$1" rc
    shift
    local envs=()
    while [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    local var_dir="$WORK/var-$name" junit="$WORK/junit-$name.xml"
    mkdir -p "$var_dir"
    printf '\n========== pytest: %s ==========\n' "$name"
    set +e
    env "${envs[@]}" DISPATCH_VAR_DIR="$var_dir" \
        python -m pytest -p no:cacheprovider --junitxml="$junit" "$@"
    rc=$?
    set -e
    RC[$name]=$rc
    SUMMARY[$name]="$(junit_counts "$junit")"
}

if want_run postgres; then
    run_suite postgres DATABASE_URL="$PG_URL" \
        TEST_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres" -- "$@"
fi
if want_run sqlite; then
    # -m before "$@": a -m given on the command line wins.
    run_suite sqlite -u DATABASE_URL -- -m "not postgres" "$@"
fi

# --- summary ---------------------------------------------------------------------------
status=0
printf '\n========== summary ==========\n'
for run in $RUNS; do
    rc="${RC[$run]}"
    case "$rc" in
    0) verdict="ok" ;;
    5)
        verdict="FAILED: no tests ran (pytest exit 5)"
        status=1
        ;;
    *)
        verdict="FAILED (pytest exit $rc)"
        status=1
        ;;
    esac
    printf '%s run: %s\n' "$run" "$verdict"
done
# Plain closing lines, one per run: "<run>: N passed, N failed[, N skipped]".
for run in $RUNS; do
    printf '%s: %s\n' "$run" "${SUMMARY[$run]}"
done
exit "$status"
