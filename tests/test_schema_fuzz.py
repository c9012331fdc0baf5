"""Property-based API fuzzing with Schemathesis against ``/api/schema/``.

Every operation the OpenAPI schema documents is called with generated input
(valid and invalid) through the real Django WSGI application, authenticated
with a token whose user holds every API role. Each answer must

- never be a server error (``not_a_server_error``),
- use a status code the schema documents (``status_code_conformance``),
- have the documented content type and body shape
  (``content_type_conformance``, ``response_schema_conformance``).

Operations on one order (``/work-orders/{id}/...``) get, half of the time, the
id of a real order seeded below instead of a random one, so actions run their
business rules on generated bodies rather than stopping at 404.

Database: the WSGI handler manages connections itself (``request_started`` /
``request_finished`` close obsolete ones, and a connection inside the test's
wrapping transaction counts as obsolete), so the test is transactional: each
request commits as in production. The conftest re-runs the data migrations
(roles, policies) that the flush after a transactional test removes.

Budget: 15 examples per operation (``SCHEMA_FUZZ_EXAMPLES`` overrides) and no
deadline keep the whole run well under two minutes on SQLite.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
import time_machine
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dispatch_center.roles import ALL_ROLES
from tests.conftest import client_for, local_time, order_payload

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation. A deeper run on demand: SCHEMA_FUZZ_EXAMPLES=200 pytest ...
MAX_EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "15"))

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _working_hours():
    """A Friday afternoon just after the seeded orders were taken, ticking: the seeded dispatch needs T3 on duty, which
    the real clock gives only in working hours (the suite also runs at night)."""
    with time_machine.travel(local_time(2026, 11, 20, 15, 45), tick=True):
        yield


@pytest.fixture
def fuzz_user(org, django_user_model):
    """A user in every role group: every operation is allowed to it."""
    user = django_user_model.objects.create_user(username="fuzz", password="x")
    user.groups.set(Group.objects.filter(name__in=ALL_ROLES))
    return user


@pytest.fixture
def auth_headers(fuzz_user):
    token, _ = Token.objects.get_or_create(user=fuzz_user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def seeded_orders(fuzz_user):
    """Real orders in several states, as targets for the per-order operations."""
    client = client_for(fuzz_user)
    ids = []
    for i, overrides in enumerate(
        [
            {},  # pending install
            {"kind": "repair", "source": "hotline"},  # pending repair
            {"package_area": "P3", "product": "ftth_broadband"},  # to dispatch
        ]
    ):
        response = client.post(
            "/api/v1/work-orders/",
            order_payload(crm_order_id=f"CRM-FUZZ-{i}", **overrides),
            format="json",
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    dispatched = client.post(
        f"/api/v1/work-orders/{ids[2]}/dispatch/", {"technician": "T3"}, format="json"
    )
    assert dispatched.status_code == 200, dispatched.json()
    return ids


# Loaded at import (pytest-django has set Django up by then; serving the schema
# needs no database). Not ``schemathesis.pytest.from_fixture``: its lazy
# loader sets ``request.node._nodeid``, which pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@schema.parametrize()
@schema.given(pick=st.none() | st.integers(min_value=0, max_value=2))
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, pick, auth_headers, seeded_orders):
    if pick is not None and "id" in case.path_parameters:
        case.path_parameters["id"] = seeded_orders[pick]
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
