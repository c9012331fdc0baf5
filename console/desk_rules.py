"""Pure rules of the dispatcher desk: sort keys, search terms, poll ETags.

No ORM, no clock, no settings: values in, values out.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

#: The queue's default order (SPEC §4): VIP and same-day first (``queue_rank``
#: 0), then the internal deadline, then entry time; the id breaks ties.
QUEUE_ORDER = ("queue_rank", "sla_deadline", "accepted_at", "id")

#: Sortable columns of the queue: the ``sort`` parameter (``-`` descending)
#: and the model fields it orders by. The id always breaks ties, so a page
#: boundary never repeats or drops an order.
SORT_FIELDS = {
    "number": ("number",),
    "kind": ("kind", "product"),
    "customer": ("customer__name",),
    "district": ("district__name", "group__name"),
    "status": ("status",),
    "technician": ("technician__name",),
    "deadline": ("sla_deadline",),
    "accepted": ("accepted_at",),
    "urges": ("urge_count",),
}

#: Fewer characters than this match whole values only (an exact order number,
#: phone or name): a trigram index needs three characters to narrow anything.
SEARCH_MIN_PARTIAL = 3


def queue_sort(value: str | None) -> tuple[str, tuple[str, ...]]:
    """The sort key actually used (``""`` = queue order) and its ordering.

    An unknown key is ignored (queue order), never an error.
    """
    value = (value or "").strip()
    name = value.removeprefix("-")
    if name not in SORT_FIELDS:
        return "", QUEUE_ORDER
    descending = value.startswith("-")
    fields = SORT_FIELDS[name]
    if descending:
        fields = tuple(f"-{f}" for f in fields)
    return value, (*fields, "-id" if descending else "id")


def next_sort(current: str, column: str) -> str:
    """The sort a column header links to: ascending first, then descending,
    then back to the queue order."""
    if current == column:
        return f"-{column}"
    if current == f"-{column}":
        return ""
    return column


def search_term(value: str | None) -> tuple[str, bool]:
    """The search text (trimmed) and whether it is long enough to match parts."""
    text = " ".join((value or "").split())
    return text, len(text) >= SEARCH_MIN_PARTIAL


def poll_etag(*parts: object) -> str:
    """A weak ETag from the parts that decide what a polled panel shows."""
    digest = hashlib.sha1(
        "\x1f".join("" if p is None else str(p) for p in parts).encode()
    ).hexdigest()[:20]
    return f'W/"{digest}"'


#: The SLA feed and the navigation counts show the last 24 hours: an event
#: leaves them when it turns 24 hours old, with nothing else changing. Their
#: ETags hold a bucket of this many minutes, so such an event is gone within
#: that time. (The countdowns and SLA colours need no bucket: the browser
#: keeps them current, ``console/static/console/countdown.js``.)
WINDOW_BUCKET_MINUTES = 10


def window_bucket(now: datetime, minutes: int = WINDOW_BUCKET_MINUTES) -> int:
    """The ``minutes``-long slice of time ``now`` falls in."""
    return int(now.timestamp() // (60 * minutes))


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or ``*``)."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    bare = etag.removeprefix("W/")
    return any(t == "*" or t.removeprefix("W/") == bare for t in tags)
