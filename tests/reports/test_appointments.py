"""预约履约率 against 95 % and evaluations on the page vs by phone (SPEC §14)."""

import pytest

from reports import services
from reports.models import MetricTarget

from .conftest import DAY, at, callback, day_report, order
from .test_publish import MORNING_AFTER, managers  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org", "clock")]


def totals(manager):
    return day_report(manager, DAY)["totals"]


def test_kept_appointments_of_every_kind_with_the_end_as_the_edge(manager):
    end = at(DAY, 12)
    order(kind="repair", appointment_end=end, arrived_at=end, completed_at=at(DAY, 13))
    order(
        kind="install",
        appointment_end=end,
        arrived_at=at(DAY, 12, 0, 1),  # a second late
        completed_at=at(DAY, 14),
    )
    order(kind="move", appointment_end=end, completed_at=at(DAY, 11, 50))
    order(kind="repair", completed_at=at(DAY, 14))  # no appointment: not counted
    result = totals(manager)
    assert result["appointment_kept_rate"] == 0.6667
    assert result["install_kept_rate"] == 0.5  # the older metric: installs only


def test_the_default_kept_target_is_95_percent():
    target = MetricTarget.objects.get(metric="appointment_kept_rate")
    assert (target.direction, str(target.value)) == ("min", "0.9500")


@pytest.mark.parametrize(("late", "warned"), [(1, False), (2, True)])
def test_below_95_percent_publishes_a_warning(managers, late, warned):  # noqa: F811
    MetricTarget.objects.exclude(metric="appointment_kept_rate").update(active=False)
    end = at(DAY, 12)
    for i in range(20):  # 19 of 20 kept is exactly 95 %: no warning
        order(
            kind="repair",
            appointment_end=end,
            arrived_at=at(DAY, 13 if i < late else 11),
            completed_at=at(DAY, 14),
        )
    result = services.report_publish("day", now=MORNING_AFTER)
    assert any(w.metric == "appointment_kept_rate" for w in result.warnings) is warned


def test_evaluations_on_the_page_and_callbacks_by_phone_are_told_apart(manager):
    callback(order(completed_at=at(DAY, 9)), when=at(DAY, 15))
    callback(order(completed_at=at(DAY, 9)), when=at(DAY, 16))
    page = callback(order(completed_at=at(DAY, 9)), when=at(DAY, 17))
    page.channel = "page"
    page.save(update_fields=["channel"])
    result = totals(manager)
    assert (
        result["callbacks"],
        result["page_evaluations"],
        result["phone_callbacks"],
        result["page_evaluation_share"],
    ) == (3, 1, 2, 0.3333)
