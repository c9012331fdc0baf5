"""Every Schemathesis check (``--checks all``) with the CRM's and a dispatcher's token.

The schema states the real rules (ids from 1, an appointment's end after its
start, ``customer_confirmed`` true, dates in range), so data the schema calls
valid is accepted and data it calls invalid is refused with a 4xx; answers
conform in status, headers, content type and body. ``test_schema_fuzz.py``
covers a user holding every role; this runs as the two integrators.

One test per role walks every operation (a transactional test per operation
would spend its time flushing the database): ``SCHEMA_CHECKS_EXAMPLES``
(default 3) examples per operation and mode, all failures reported together.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from tests.conftest import make_user

MAX_EXAMPLES = int(os.environ.get("SCHEMA_CHECKS_EXAMPLES", "3"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


# What JSON Schema cannot say, the generator is told here for valid (positive)
# data only: references to rows that exist (a package area, a group, a
# technician, a complaint sub-item of its category), an appointment that ends
# after it starts, an entry time not in the future. The schema states these
# in descriptions; an invalid value of any of them is a 400, which the
# negative runs check.
KNOWN = {
    "package_area": "P1",
    "group": "G1",
    "technician": "T1",
    "area": "A1",
    "district": "D1",
}
WINDOW = ("2026-11-21T09:00:00+08:00", "2026-11-21T11:00:00+08:00")


def _realistic(case) -> None:
    for values in (case.query, case.body):
        if not isinstance(values, dict):
            continue
        for name, value in KNOWN.items():
            if isinstance(values.get(name), str):
                values[name] = value
        if isinstance(values.get("work_order"), int):
            values["work_order"] = None  # a complaint without an order
        if "sub_category" in values:
            values.update(category="service_support", sub_category="install_delay")
        if isinstance(values.get("package_areas"), list):
            values["package_areas"] = ["P1"]
        if isinstance(values.get("eta"), str):  # a restoration expected later
            values["eta"] = "2026-11-21T12:00:00+08:00"
        if values.get("appointment_start") or values.get("appointment_end"):
            values["appointment_start"], values["appointment_end"] = WINDOW
        for name in [n for n in values if n.endswith("_at")]:
            if isinstance(values[name], str):  # entry/receipt times: the past
                values[name] = "2026-11-20T09:00:00+08:00"
        for name in ("date", "week_start"):
            if isinstance(values.get(name), str):
                values[name] = "2026-11-16"


def _check_operation(operation, headers, mode):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if mode is GenerationMode.POSITIVE:
            _realistic(case)
        case.call_and_validate(headers=headers)

    run()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["crm", "dispatcher"])
def test_every_check_passes_for_the_integrators(role, org):
    token = Token.objects.create(user=make_user(f"checks-{role}", role))
    headers = {"Authorization": f"Token {token.key}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check_operation(operation, headers, mode)
            except Unsatisfiable:
                pass  # nothing to negate (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
