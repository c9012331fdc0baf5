#!/usr/bin/env bash
# Create or refresh the project's virtualenv in .venv (idempotent, quiet).
#
#   ./scripts/setup_venv.sh
#
# - creates .venv with Python 3.11 when it is missing (or broken);
# - installs the project editable with its dev extra: pip install -e ".[dev]";
# - skips all of that when .venv/.stamp holds the sha256 of the current
#   pyproject.toml, i.e. nothing changed since the last successful install.
#
# Safe to call from several scripts at once: a lock serialises concurrent runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.stamp"
cd "$ROOT"

log() { printf '[setup_venv] %s\n' "$*" >&2; }

# Pick a Python 3.11 interpreter: python3.11 first, else a python3 that is 3.11.
find_python() {
    local cand
    for cand in "${PYTHON:-}" python3.11 python3; do
        [ -n "$cand" ] || continue
        command -v "$cand" >/dev/null 2>&1 || continue
        if "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    return 1
}

want_hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"

# Fast path (no lock needed): the venv works and was built from this pyproject.
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] \
    && [ "$(cat "$STAMP")" = "$want_hash" ] \
    && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    exit 0
fi

mkdir -p "$VENV"
# Serialise concurrent installs (run.sh and test.sh started together, say).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$VENV/.lock"
    flock 9
    # Another process may have finished the install while we waited.
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_hash" ] \
        && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        exit 0
    fi
fi

# (Re)create the venv when its interpreter is missing or no longer runs
# (e.g. the base Python it was made from was removed or upgraded).
if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py="$(find_python)" || {
        log "error: Python 3.11 not found (tried \$PYTHON, python3.11, python3)"
        exit 1
    }
    log "creating .venv with $py"
    # Keep the lock file: clear everything else from a broken venv.
    find "$VENV" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
    "$py" -m venv "$VENV"
fi

rm -f "$STAMP"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
INSTALL_LOG="$VENV/.install.log"
log "installing dependencies (pyproject.toml changed or first run; log: .venv/.install.log)"
# pip's output goes to a log file, shown only when the install fails.
if ! {
    "$VENV/bin/python" -m pip install -q --upgrade pip \
        && "$VENV/bin/python" -m pip install -q -e ".[dev]"
} >"$INSTALL_LOG" 2>&1; then
    log "error: pip install failed; last lines of $INSTALL_LOG:"
    grep -v "is ignored: it is neither a file nor a directory" "$INSTALL_LOG" | tail -n 40 >&2
    exit 1
fi
# Written only after a successful install, so a failed one is retried next time.
printf '%s\n' "$want_hash" >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
log "ready: $VENV"
