#!/usr/bin/env bash
# Run the whole dispatch centre locally: web server + Celery worker + beat.
#
#   ./scripts/run.sh                  # embedded demo: SQLite + filesystem broker
#   PORT=8080 ./scripts/run.sh        # another port
#   DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... ./scripts/run.sh
#
# With no DATABASE_URL the database is SQLite under var/ (or $DISPATCH_VAR_DIR)
# and, with no CELERY_BROKER_URL, Celery uses kombu's filesystem:// transport
# (configured in dispatch_center/settings.py): nothing else has to run.
#
# Steps: set up .venv, migrate, seed the demo data (idempotent), collect static
# files, then start
#   - web:    gunicorn on 127.0.0.1:$PORT (2 workers), or runserver if
#             gunicorn does not come up;
#   - celery: SQLite   -> one solo-pool worker with an embedded beat (-B),
#                         since SQLite does not like concurrent writers;
#             otherwise -> a normal worker plus a separate beat.
# Worker/beat logs go to var/log/*.log. Ctrl-C (or SIGTERM) stops everything;
# if any of the processes dies, the others are stopped too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${PORT:-8000}"
HOST=127.0.0.1
URL="http://$HOST:$PORT"
VAR_DIR="${DISPATCH_VAR_DIR:-$ROOT/var}" # same default as settings.VAR_DIR
LOG_DIR="$VAR_DIR/log"

log() { printf '[run] %s\n' "$*" >&2; }

# --- virtualenv --------------------------------------------------------------
"$ROOT/scripts/setup_venv.sh"
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export PYTHONUNBUFFERED=1

mkdir -p "$VAR_DIR" "$LOG_DIR"

# Embedded mode = SQLite (no DATABASE_URL, or a sqlite:// one).
case "${DATABASE_URL:-}" in
"" | sqlite*) EMBEDDED_DB=1 ;;
*) EMBEDDED_DB=0 ;;
esac
if [ "$EMBEDDED_DB" = 1 ]; then
    log "database: SQLite (${DATABASE_URL:-$VAR_DIR/db.sqlite3})"
else
    log "database: from DATABASE_URL"
fi
if [ -n "${CELERY_BROKER_URL:-}" ]; then
    log "broker:   from CELERY_BROKER_URL"
else
    log "broker:   filesystem:// (under $VAR_DIR/celery)"
fi

# Refuse early when the port is taken: gunicorn and runserver would both fail.
if python - "$HOST" "$PORT" <<'PY'; then
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
    log "error: $HOST:$PORT is already in use; try PORT=8080 $0"
    exit 1
fi

# --- database and static files -----------------------------------------------
log "migrating"
python manage.py migrate --noinput
log "seeding demo data"
python manage.py seed_demo
log "collecting static files"
python manage.py collectstatic --noinput -v0

# --- process management ------------------------------------------------------
# Each child runs in its own session/process group (setsid), so a stop signal
# reaches its whole tree (gunicorn workers, celery's pool and embedded beat)
# and Ctrl-C reaches only this script, which then stops them in order.
PIDS=()
NAMES=()
SETSID=()
command -v setsid >/dev/null 2>&1 && SETSID=(setsid)

# spawn NAME OUTPUT CMD...   (OUTPUT "-" = this terminal, else a log file)
spawn() {
    local name="$1" out="$2"
    shift 2
    if [ "$out" = "-" ]; then
        "${SETSID[@]}" "$@" &
    else
        "${SETSID[@]}" "$@" >>"$out" 2>&1 &
    fi
    PIDS+=("$!")
    NAMES+=("$name")
}

# Send a signal to a child's process group (or to the child alone without setsid).
signal_child() {
    local sig="$1" pid="$2"
    if [ "${#SETSID[@]}" -gt 0 ]; then
        kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null || true
    else
        kill -s "$sig" "$pid" 2>/dev/null || true
    fi
}

# Stop one child: SIGTERM (graceful), then SIGKILL after a grace period.
stop_child() {
    local pid="$1" i
    signal_child TERM "$pid"
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        signal_child KILL "$pid"
    fi
    wait "$pid" 2>/dev/null || true
}

STOPPING=0
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local i
    [ "$STOPPING" = 1 ] && return
    STOPPING=1
    trap '' INT TERM HUP # a second Ctrl-C must not abort the clean-up
    if [ "${#PIDS[@]}" -gt 0 ]; then
        log "stopping ${NAMES[*]}"
        for i in "${!PIDS[@]}"; do
            signal_child TERM "${PIDS[$i]}"
        done
        for i in "${!PIDS[@]}"; do
            stop_child "${PIDS[$i]}"
        done
        log "stopped"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Wait until the web server answers HTTP (any status counts: it is up).
wait_for_web() {
    local pid="$1" i
    for i in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 1
        if python - "$URL/healthz" <<'PY' 2>/dev/null; then
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass  # an HTTP error status still means the server is answering
PY
            return 0
        fi
        sleep 0.5
    done
    return 1
}

# --- web ---------------------------------------------------------------------
log "starting web server (gunicorn) on $URL"
spawn web - gunicorn dispatch_center.wsgi:application \
    --bind "$HOST:$PORT" --workers 2 \
    --access-logfile "$LOG_DIR/web-access.log" --error-logfile -
if ! wait_for_web "${PIDS[0]}"; then
    log "gunicorn did not come up; falling back to 'manage.py runserver'"
    stop_child "${PIDS[0]}"
    PIDS=()
    NAMES=()
    spawn web - python manage.py runserver "$HOST:$PORT" --noreload
    if ! wait_for_web "${PIDS[0]}"; then
        log "error: the web server did not start (see the output above)"
        exit 1
    fi
fi

# --- celery ------------------------------------------------------------------
if [ "$EMBEDDED_DB" = 1 ]; then
    CELERY_LOGS="worker.log"
    # One process, one write at a time: SQLite-friendly. Embedded beat (-B).
    log "starting celery worker with embedded beat (log: $LOG_DIR/worker.log)"
    spawn worker "$LOG_DIR/worker.log" \
        celery -A dispatch_center worker -B --pool=solo -l info
else
    CELERY_LOGS="worker.log, beat.log"
    log "starting celery worker (log: $LOG_DIR/worker.log)"
    spawn worker "$LOG_DIR/worker.log" celery -A dispatch_center worker -l info
    log "starting celery beat (log: $LOG_DIR/beat.log)"
    spawn beat "$LOG_DIR/beat.log" celery -A dispatch_center beat -l info
fi

# --- banner ------------------------------------------------------------------
cat <<EOF

==========================================================================
 综调中心 Dispatch Centre is running on $URL/
   Logs: $LOG_DIR/ ($CELERY_LOGS, web-access.log)
==========================================================================
EOF
# the logins and every URL, once, with the port the server really uses
python manage.py demo_logins --base-url "$URL" || log "warning: 'manage.py demo_logins' failed"
printf '\nPress Ctrl-C to stop.\n\n'

# --- supervise ---------------------------------------------------------------
# Block until any child exits (or a signal arrives); then stop the rest.
set +e
wait -n "${PIDS[@]}"
rc=$?
set -e
for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
        log "error: ${NAMES[$i]} exited (status $rc); stopping the others"
        case "${NAMES[$i]}" in
        worker | beat) log "see $LOG_DIR/${NAMES[$i]}.log" ;;
        esac
    fi
done
exit 1
