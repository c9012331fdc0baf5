"""docs/api.md is executable: its curl examples run against a test server.

Every ``bash`` block of the page runs, in order, in one shell session (as a
reader would paste them) against pytest-django's live server, with a CRM and
a dispatcher token. A ``# → NNN`` comment states the status of each ``curl``
of the block, in order; a wrapper records the real ones. The callback
verification snippet is executed against the outbox's own signature, and the
example callback body has exactly the keys the outbox sends.
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from notifications.models import Notification
from notifications.rules import sign
from tests.conftest import local_time, make_user

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXPECT = re.compile(r"# → (\d{3})")


def _blocks(language):
    return [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == language]


def test_every_section_the_integrators_need_is_there():
    text = DOC.read_text()
    for heading in (
        "## Authentication",
        "## Creating orders, idempotently",
        "## Errors and codes",
        "## Pagination",
        "## Sync",
        "## Throttling",
        "## Status callbacks",
    ):
        assert heading in text


@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_answer_what_the_page_says(
    live_server, org, tmp_path, settings
):
    settings.CRM_CALLBACK_URL = "http://127.0.0.1:9/callback"  # queued, not sent
    settings.NOTIFICATION_KICK = False
    crm = Token.objects.create(user=make_user("crm", "crm"))
    desk = Token.objects.create(user=make_user("desk", "dispatcher"))
    blocks = _blocks("bash")
    assert len(blocks) >= 6
    codes = tmp_path / "codes"
    script = [
        "set -euo pipefail",
        f"cd {tmp_path}",
        # the status of every curl goes to $CODES, the body where it was sent
        "curl() { command curl -sS -w '%{stderr}HTTP %{http_code}\\n' \"$@\" "
        f"2>>{codes}; }}",
    ]
    for i, block in enumerate(blocks):
        script += [f"echo 'BLOCK {i}' >>{codes}", block]
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            env={
                "PATH": "/usr/bin:/bin",
                "API": f"{live_server.url}/api/v1",
                "TOKEN": crm.key,
                "DESK_TOKEN": desk.key,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    seen: dict[int, list[str]] = {}
    current = -1
    for line in codes.read_text().splitlines():
        if line.startswith("BLOCK "):
            current = int(line.split()[1])
            seen[current] = []
        elif line.startswith("HTTP "):
            seen[current].append(line.split()[1])
    for i, block in enumerate(blocks):
        assert seen[i] == EXPECT.findall(block), (i, block)

    # the callback example shows exactly what the outbox sends
    sent = Notification.objects.get(channel="crm_callback").payload
    example = json.loads(_blocks("json")[0])
    assert set(example) == set(sent)
    assert (sent["crm_order_id"], sent["status"]) == ("CRM-DOC-1", "dispatched")


def test_the_signature_snippet_verifies_what_the_outbox_signs():
    namespace: dict = {}
    exec(_blocks("python")[0], namespace)  # noqa: S102 - our own documentation
    verify = namespace["verify"]
    body = json.dumps({"status": "dispatched"}).encode()
    assert verify("s3cret", body, sign("s3cret", body))
    assert not verify("s3cret", body + b" ", sign("s3cret", body))
    assert not verify("other", body, sign("s3cret", body))
