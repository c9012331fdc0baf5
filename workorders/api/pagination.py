"""The work-order list's two pagings: numbered pages, or the change feed.

With ``updated_after`` or ``cursor`` the list becomes a change feed (docs/api.md
"Sync"): orders by last change, oldest first, each page continuing from an
opaque ``cursor`` that survives concurrent writes (selectors.change_feed).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dispatch_center.pagination import Pagination

from ..selectors import change_feed

CURSOR = "cursor"


#: ``<change_seq>.<id>``: at most 18 digits each, so any cursor the pattern
#: admits is a position (below 2**63) and the schema can say exactly that.
CURSOR_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,18}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(seq: int, pk: int) -> str:
    return f"{seq}.{pk}"


def decode_cursor(raw: str) -> tuple[int, int]:
    if not _CURSOR.match(raw):
        raise ValidationError({CURSOR: [gettext("不是本接口给出的游标。")]})
    seq, pk = raw.split(".")
    return int(seq), int(pk)


def is_feed(request) -> bool:
    params = request.query_params
    return bool(params.get("updated_after") or params.get(CURSOR))


class WorkOrderPagination(Pagination):
    feed = False

    def paginate_queryset(self, queryset, request, view=None):
        self.feed = is_feed(request)
        if not self.feed:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        raw = request.query_params.get(CURSOR)
        after = decode_cursor(raw) if raw else None
        rows = change_feed(queryset, after=after)
        size = self.get_page_size(request)
        self.remaining = rows.count()
        page = list(rows[:size])
        last = page[-1] if page else None
        self.cursor = encode_cursor(last.change_seq, last.pk) if last else raw
        self.more = self.remaining > len(page)
        return page

    def get_paginated_response(self, data):
        if not self.feed:
            return super().get_paginated_response(data)
        url = self.request.build_absolute_uri()
        next_url = None
        if self.more:
            next_url = replace_query_param(url, CURSOR, self.cursor)
            next_url = remove_query_param(next_url, self.page_query_param)
        return Response(
            {
                "count": self.remaining,
                "next": next_url,
                "previous": None,
                "cursor": self.cursor,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            "Numbered pages: all matching orders. Change feed: the changes "
            "from this page on that are final now."
        )
        schema["properties"]["cursor"] = {
            "type": "string",
            "nullable": True,
            "description": (
                "Change feed only: where this page ends. Keep it and send "
                "`cursor=` next time; `next` is null once caught up."
            ),
        }
        return schema
