"""Who may take which complaint action at which step (no database)."""

import pytest

from console.complaint_forms import allowed_actions

SUP = frozenset({"supervisor"})
MGR = frozenset({"manager"})
DEPT = frozenset({"department_handler"})
AGENT = frozenset({"hotline_agent"})


@pytest.mark.parametrize(
    "status,roles,expected",
    [
        ("front_desk", AGENT, ["submit", "close"]),
        ("review", AGENT, []),
        ("review", SUP, ["dispatch-to-city", "close", "supervise"]),
        ("city", SUP, ["assign-department", "wrong-dispatch", "supervise"]),
        ("city", DEPT, []),
        ("department", DEPT, ["answer-customer", "wrong-dispatch"]),
        ("return", DEPT, ["return-ticket"]),
        ("callback", DEPT, []),
        ("callback", SUP, ["callback-customer", "supervise"]),
        ("determination", SUP, []),
        ("determination", MGR, ["determine-responsibility"]),
        ("closed", MGR, []),
    ],
)
def test_actions_by_step_and_role(status, roles, expected):
    assert allowed_actions(status, roles) == expected
