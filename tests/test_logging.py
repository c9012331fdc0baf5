"""The terminal of a running system: a refused request is one log line."""

import logging

import pytest

from dispatch_center.logfilters import RefusedRequestOneLine


@pytest.fixture
def lines():
    # the terminal's handler as settings.LOGGING configures it
    handler = next(
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and h.formatter is not None
    )
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(handler.format(record))

    keep = Keep()
    for configured in handler.filters:
        keep.addFilter(configured)
    logging.getLogger("django.request").addHandler(keep)
    yield records
    logging.getLogger("django.request").removeHandler(keep)


@pytest.mark.django_db
def test_a_refused_page_is_one_log_line_without_traceback(
    client, lines, django_user_model
):
    user = django_user_model.objects.create_user("nobody", password="pw-123456789")
    client.force_login(user)
    assert client.get("/compensation/audit/").status_code == 403
    refused = [line for line in lines if "/compensation/audit/" in line]
    assert len(refused) == 1
    assert "Traceback" not in refused[0] and "\n" not in refused[0]


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "boom", (), None
    )
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    record.status_code = 500
    RefusedRequestOneLine().filter(record)
    assert record.exc_info is not None
