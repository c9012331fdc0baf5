"""Logging filters: what an operator's terminal should and should not show."""

import logging


class RefusedRequestOneLine(logging.Filter):
    """A refused request (4xx) is one log line: no traceback.

    Django logs a 403 from ``PermissionDenied`` (and a 400 from a suspicious
    operation) with the exception's traceback. That is noise for an expected
    refusal; server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        elif record.exc_info and record.name.startswith("django.security"):
            record.exc_info = None
            record.exc_text = None
        return True
