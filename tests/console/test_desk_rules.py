"""The desk's pure rules: sort keys, search terms, poll ETags (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from console import desk_rules
from workorders.rules import LOCAL_TZ


@pytest.mark.parametrize(
    "value,key,ordering",
    [
        (None, "", ("queue_rank", "sla_deadline", "accepted_at", "id")),
        ("", "", ("queue_rank", "sla_deadline", "accepted_at", "id")),
        ("bogus", "", ("queue_rank", "sla_deadline", "accepted_at", "id")),
        ("--deadline", "", ("queue_rank", "sla_deadline", "accepted_at", "id")),
        ("deadline", "deadline", ("sla_deadline", "id")),
        ("-deadline", "-deadline", ("-sla_deadline", "-id")),
        ("district", "district", ("district__name", "group__name", "id")),
        ("-urges", "-urges", ("-urge_count", "-id")),
    ],
)
def test_queue_sort(value, key, ordering):
    assert desk_rules.queue_sort(value) == (key, ordering)


@pytest.mark.parametrize(
    "current,column,target",
    [
        ("", "number", "number"),
        ("number", "number", "-number"),
        ("-number", "number", ""),
        ("-deadline", "number", "number"),
    ],
)
def test_a_header_cycles_ascending_descending_queue_order(current, column, target):
    assert desk_rules.next_sort(current, column) == target


@pytest.mark.parametrize(
    "value,text,partial",
    [
        (None, "", False),
        ("  ", "", False),
        ("李伟", "李伟", False),
        ("王秀英", "王秀英", True),
        (" 海连  东路 ", "海连 东路", True),
        ("12", "12", False),
        ("123", "123", True),
    ],
)
def test_search_term_needs_three_characters_for_parts(value, text, partial):
    assert desk_rules.search_term(value) == (text, partial)


def test_etag_matches_weak_strong_lists_and_star():
    etag = desk_rules.poll_etag("queue", 1, "zh-hans", "page=1", "m", 5)
    assert etag.startswith('W/"') and etag.endswith('"')
    bare = etag.removeprefix("W/")
    assert desk_rules.etag_matches(etag, etag)
    assert desk_rules.etag_matches(bare, etag)
    assert desk_rules.etag_matches(f'"other", {etag}', etag)
    assert desk_rules.etag_matches("*", etag)
    assert not desk_rules.etag_matches(None, etag)
    assert not desk_rules.etag_matches('"other"', etag)
    assert etag != desk_rules.poll_etag("queue", 1, "zh-hans", "page=2", "m", 5)


def test_the_window_bucket_turns_every_ten_minutes():
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ)
    last = at + dt.timedelta(minutes=9, seconds=59, microseconds=999_999)
    assert desk_rules.window_bucket(at) == desk_rules.window_bucket(last)
    assert desk_rules.window_bucket(at + dt.timedelta(minutes=10)) == (
        desk_rules.window_bucket(at) + 1
    )
