"""Playwright against a live server, with Debian's chromium.

Skips (with the reason) only when chromium or the ``playwright`` package is
missing; CI has both (scripts/test.sh installs chromium and the fonts).
Playwright's sync API runs an event loop in the test thread, so Django's
async-safety check is relaxed for these tests only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium (Debian's binary, never a downloaded one)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e .[dev])")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        # Inside Playwright an event loop runs in this thread, so Django hands
        # out a different (context-local) database connection than outside it.
        # The session clean-up below runs outside and ends that connection's
        # session: drop it if a previous test left it dead, and close it at the
        # end, or the next browser test's first query fails on PostgreSQL.
        _close_dead_connections()
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()


def _close_dead_connections():
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


@pytest.fixture(autouse=True)
def _no_session_left_behind():
    """After a live-server test, no other PostgreSQL session stays on the test DB.

    One of the live server's request threads (which one, we could not tell)
    left an idle session open after the browser closed, and the suite's final
    ``DROP DATABASE`` then failed with "being accessed by other users". The
    threads are gone by then; their sessions are ended here.
    """
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def shot():
    """Save a full-page PNG under test-artifacts/ (gitignored) and return its path."""

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
