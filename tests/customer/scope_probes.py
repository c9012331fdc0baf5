"""The customer page is public by token (SPEC §14)."""

from tests.scope.registry import ALLOWED

ALLOWED["customer-page"] = (
    "no login: one order by an unguessable per-order token, valid until 30 days "
    "after completion, rate-limited; an unknown, altered or expired token is the "
    "same 404 (tests/customer/test_page.py proves it reveals nothing)"
)
