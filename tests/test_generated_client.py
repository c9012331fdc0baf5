"""A client generated from the live schema drives a CRM's and a dispatcher's day.

The CRM team generates its client from ``/api/schema/`` with
openapi-python-client; when a schema change would break such a client (a
body the client cannot send, a response it cannot parse, a renamed
operation), this test fails. Generation runs offline (a proxy that refuses
everything is set, so a download attempt would fail) and formats with the
pinned ruff from this virtualenv; it takes seconds and runs once per module.

The generated client talks to the real WSGI application through httpx's WSGI
transport: every request commits as in production (``transaction=True``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import local_time, make_user

VENV_BIN = Path(sys.executable).parent
PACKAGE = "dispatch_client"
SCHEMA_JSON = "application/vnd.oai.openapi+json"
# Responses the generator cannot model and leaves out of the client, on
# purpose: spreadsheet downloads. Any other warning fails the test.
TOLERATED_WARNING = "Unsupported content_type application/vnd.openxmlformats"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The generated package, imported; regenerated for every suite run."""
    workdir = tmp_path_factory.mktemp("generated-client")
    schema = Client().get("/api/schema/", HTTP_ACCEPT=SCHEMA_JSON)
    assert schema.status_code == 200
    (workdir / "schema.json").write_bytes(schema.content)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # Nothing listens on port 9: any attempt to download would fail.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "ALL_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    result = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(workdir / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(workdir / PACKAGE),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = [
        line
        for line in output.splitlines()
        if line.startswith("WARNING") or line.startswith("Cannot parse")
    ]
    unexpected = [
        line
        for line in warnings
        if not line.startswith("WARNING parsing GET /api/v1/payroll/runs/")
        and not line.startswith("WARNING parsing GET /api/v1/compensations/")
        and TOLERATED_WARNING not in line
    ]
    assert not unexpected, output
    sys.path.insert(0, str(workdir))
    try:
        modules = {
            name: importlib.import_module(f"{PACKAGE}.{name}")
            for name in (
                "client",
                "models",
                "api.work_orders.work_orders_create",
                "api.work_orders.work_orders_retrieve",
                "api.work_orders.work_orders_cancel_create",
                "api.work_orders.work_orders_list",
                "api.work_orders.work_orders_timeline_list",
                "api.work_orders.work_orders_candidates_retrieve",
                "api.work_orders.work_orders_dispatch_create",
            )
        }
        yield type(
            "Generated", (), {k.rsplit(".", 1)[-1]: v for k, v in modules.items()}
        )
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _client(api, user):
    token, _ = Token.objects.get_or_create(user=user)
    client = api.client.AuthenticatedClient(
        base_url="http://testserver", token=token.key, prefix="Token"
    )
    return client.set_httpx_client(
        httpx.Client(
            base_url="http://testserver",
            transport=httpx.WSGITransport(app=WSGIHandler()),
            headers={"Authorization": f"Token {token.key}"},
        )
    )


def _order(api, crm_order_id, phone):
    return api.models.WorkOrderCreateRequest.from_dict(
        {
            "crm_order_id": crm_order_id,
            "source": "crm",
            "kind": "install",
            "product": "ftth_broadband",
            "customer": {"name": "王女士", "phone": phone, "level": "ordinary"},
            "address": "通灌北路 1 号 3-201",
            "package_area": "P1",
            "same_day_requested": True,
        }
    )


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_a_crm_and_a_dispatcher_day(api, org):
    crm = _client(api, make_user("crm", "crm"))
    desk = _client(api, make_user("desk", "dispatcher"))
    with time_machine.travel(local_time(2026, 11, 20, 10, 0), tick=True):
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)

        # the CRM creates an order (JSON body with the nested customer) ...
        created = api.work_orders_create.sync_detailed(
            client=crm,
            body=_order(api, "CRM-GEN-1", "13912345678"),
            idempotency_key="gen-key-1",
        )
        assert created.status_code == 201, created.content
        order = created.parsed
        assert isinstance(order, api.models.WorkOrder)
        assert order.customer.phone == "13912345678"
        # ... replays it with the same key: the same order, 200
        replay = api.work_orders_create.sync_detailed(
            client=crm,
            body=_order(api, "CRM-GEN-1", "13912345678"),
            idempotency_key="gen-key-1",
        )
        assert (replay.status_code, replay.parsed.id) == (200, order.id)
        # ... and the same key with other content is a 409 it can read
        clash = api.work_orders_create.sync_detailed(
            client=crm,
            body=_order(api, "CRM-GEN-1", "13900000000"),
            idempotency_key="gen-key-1",
        )
        assert clash.status_code == 409
        assert clash.parsed.code == "idempotency_conflict"

        read = api.work_orders_retrieve.sync(client=crm, id=order.id)
        assert (read.number, read.status.value) == (order.number, "pending")

        # the dispatcher ranks the candidates and dispatches to the first
        candidates = api.work_orders_candidates_retrieve.sync(client=desk, id=order.id)
        best = candidates.candidates[0].technician
        assert best in {"T1", "T2"}
        dispatched = api.work_orders_dispatch_create.sync(
            client=desk,
            id=order.id,
            body=api.models.DispatchInRequest(technician=best),
        )
        assert (dispatched.status.value, dispatched.technician) == ("dispatched", best)

        # the CRM cancels a second order and finds it with list filters
        second = api.work_orders_create.sync(
            client=crm, body=_order(api, "CRM-GEN-2", "13912340000")
        )
        cancelled = api.work_orders_cancel_create.sync(
            client=crm,
            id=second.id,
            body=api.models.CancelInRequest(reason="客户撤单"),
        )
        assert cancelled.status.value == "cancelled"
        page = api.work_orders_list.sync(
            client=crm,
            status=[api.models.WorkOrdersListStatusItem("cancelled")],
            kind=api.models.WorkOrdersListKind("install"),
            package_area="P1",
            page_size=10,
        )
        assert [o.id for o in page.results] == [second.id]
        assert page.count == 1

        # it mirrors every change through the feed
        feed = api.work_orders_list.sync(client=crm, updated_after=since, page_size=50)
        assert {o.id: o.status.value for o in feed.results} == {
            order.id: "dispatched",
            second.id: "cancelled",
        }
        assert feed.next_ is None and feed.cursor
        caught_up = api.work_orders_list.sync(client=crm, cursor=feed.cursor)
        assert caught_up.results == []

        # and reads the timeline
        timeline = api.work_orders_timeline_list.sync(client=crm, id=order.id)
        kinds = [event.kind.value for event in timeline]
        assert kinds[0] == "created" and "dispatch" in kinds


def test_generated_operations_are_grouped_by_resource(api):
    package = Path(api.client.__file__).parent / "api"
    groups = {
        p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"
    }
    assert {"work_orders", "dispatch", "sla", "compensation", "complaints"} <= groups
    assert {"payroll", "reports"} <= groups
    assert "v1" not in groups
    assert (package / "work_orders" / "work_orders_create.py").exists()
    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT=SCHEMA_JSON).content)
    assert all(
        "v1" not in op["operationId"]
        for ops in schema["paths"].values()
        for op in ops.values()
    )
