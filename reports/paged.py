"""The quality report's JSON a page at a time (issue 18).

The API answers a page of rows (50 by default) of a report that may hold
~5,000 technicians. Summing every technician's counters in Python to send 50
of them cost 0.45–0.8 s; here SQL does the whole-period work and Python only
the page's:

- the **index**: the keys of the period's non-empty rows in report order
  (organisation code, the "none" and "own staff" rows last), with their codes
  and names, from one ``GROUP BY … HAVING … ORDER BY`` over the rollups joined
  to the organisation table; its length is the row count;
- the **totals** of both periods: one aggregate (``SUM`` without ``GROUP
  BY``) each;
- the **page's counters**: ``SUM … WHERE key IN (the page's keys) GROUP BY
  key`` for this period and the previous one; metrics for those rows only.

Days not rolled up yet (today, the last gap days) are computed from the raw
records as in ``selectors.period_counters`` and added in Python: their keys
join the index, their counters the totals and the page's rows.

A closed period (``selectors.closed_stamp``) keeps its index, totals and the
counters fetched so far in the process's cache, so a later page reads only the
keys no earlier page has read. The numbers are those of
``selectors.quality_report`` + ``selectors.report_payload``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from dispatch_center.caching import ProcessCache
from org.models import District, RegionGroup, Technician, Vendor

from . import raw, rules, selectors
from .models import DailyRollup, ReportPolicy
from .rules.periods import Period

MODELS = {
    rules.DISTRICT: District,
    rules.GROUP: RegionGroup,
    rules.TECHNICIAN: Technician,
    rules.VENDOR: Vendor,
}


def _name(by: str, ident: int, code: str | None, name: str | None) -> tuple[str, str]:
    """API key and display name of a key (as ``selectors.key_names``)."""
    if code is not None:
        return code, name
    if ident == rules.OWN_STAFF and by == rules.VENDOR:
        return rules.KEY_OWN_STAFF, rules.OWN_STAFF_NAME
    if ident == rules.NONE:
        return rules.KEY_NONE, rules.NONE_NAMES[by]
    return f"#{ident}", f"(已删除 #{ident})"  # deleted from the organisation since


def _sort_key(entry: tuple[int, str, str]):
    # as ``selectors._sort_key``: organisation units by code, sentinels last
    return (entry[0] <= 0, entry[1])


@dataclass
class _Source:
    """Where one period's counters come from."""

    period: Period
    by: str
    district_id: int | None
    #: rollup rows: (level, first day, last day), or None
    grain: tuple[int, date, date] | None
    #: counters of the days computed from the raw records, per key
    live: dict[int, dict]
    live_days: list[date]
    missing_days: list[date]

    # -- SQL over the rollup rows of the grain --

    def _where(self) -> tuple[str, list]:
        level, first, last = self.grain
        ops = connection.ops
        sql = "r.level = %s AND r.day >= %s AND r.day <= %s"
        params = [
            int(level),
            ops.adapt_datefield_value(first),
            ops.adapt_datefield_value(last),
        ]
        if self.district_id is not None:
            sql += " AND r.district_id = %s"
            params.append(self.district_id)
        return sql, params

    def _counted(self) -> tuple[str, ...]:
        # a day says nothing about weekly rest (``selectors.section``)
        if self.period.kind == rules.DAY:
            return tuple(c for c in rules.COUNTERS if c not in raw.ROTA_COUNTERS)
        return rules.COUNTERS

    def index(self) -> list[tuple[int, str, str]]:
        """(ident, key, name) of every non-empty row, in report order."""
        entries: list[tuple[int, str, str]] = []
        seen: set[int] = set()
        if self.grain is not None:
            quote = connection.ops.quote_name
            key = quote(selectors.KEY_FIELD[self.by])
            model = MODELS[self.by]._meta
            where, params = self._where()
            having = " OR ".join(f"SUM(r.{quote(c)}) <> 0" for c in self._counted())
            code = f"o.{quote('code')}"
            if connection.vendor == "postgresql":
                code += ' COLLATE "C"'  # code point order, as Python sorts
            sql = (
                f"SELECT k.ident, o.{quote('code')}, o.{quote('name')} FROM ("
                f"SELECT r.{key} AS ident FROM {quote(DailyRollup._meta.db_table)} r "
                f"WHERE {where} GROUP BY r.{key} HAVING {having}) k "
                f"LEFT JOIN {quote(model.db_table)} o "
                f"ON o.{quote(model.pk.column)} = k.ident "
                f"ORDER BY CASE WHEN k.ident <= 0 THEN 1 ELSE 0 END, "
                f"COALESCE({code}, '#' || k.ident), k.ident"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                for ident, code_, name in cursor.fetchall():
                    entries.append((ident, *_name(self.by, ident, code_, name)))
                    seen.add(ident)
        extra = [i for i in self.live if i not in seen]
        if extra:  # keys with figures only on the days computed live
            names = selectors.key_names(self.by, extra)
            entries += [(i, names[i].key, names[i].name) for i in extra]
        # SQL's order already but for the sentinels' keys ("", "own") and the
        # live keys: a linear pass when nothing moves
        entries.sort(key=_sort_key)
        return entries

    def totals(self) -> dict:
        """The period's counters summed over every key."""
        totals = rules.empty_counters()
        if self.grain is not None:
            quote = connection.ops.quote_name
            where, params = self._where()
            sums = ", ".join(f"SUM(r.{quote(c)})" for c in rules.COUNTERS)
            sql = (
                f"SELECT {sums} FROM {quote(DailyRollup._meta.db_table)} r "
                f"WHERE {where}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            rules.add_counters(totals, dict(zip(rules.COUNTERS, row, strict=True)))
        for counters in self.live.values():
            rules.add_counters(totals, counters)
        return self._day_rule(totals)

    def counters(self, idents: list[int], *, every: bool = False) -> dict[int, dict]:
        """Counters of ``idents`` (every key of the period when ``every``); a
        key without rows gets empty counters."""
        found = {i: rules.empty_counters() for i in idents}
        if self.grain is not None and (idents or every):
            quote = connection.ops.quote_name
            key = quote(selectors.KEY_FIELD[self.by])
            where, params = self._where()
            if not every:
                where += f" AND r.{key} IN ({', '.join(['%s'] * len(idents))})"
                params += list(idents)
            sums = ", ".join(f"SUM(r.{quote(c)})" for c in rules.COUNTERS)
            sql = (
                f"SELECT r.{key}, {sums} FROM {quote(DailyRollup._meta.db_table)} r "
                f"WHERE {where} GROUP BY r.{key}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            for ident, *sums_ in rows:
                found[ident] = rules.counters_from_row(
                    dict(zip(rules.COUNTERS, sums_, strict=True))
                )
        for ident, counters in self.live.items():
            if every or ident in found:
                rules.add_counters(
                    found.setdefault(ident, rules.empty_counters()), counters
                )
        return {i: self._day_rule(c) for i, c in found.items()}

    def _day_rule(self, counters: dict) -> dict:
        if self.period.kind == rules.DAY:
            counters.update(dict.fromkeys(raw.ROTA_COUNTERS, 0))
        return counters


def _source(
    period: Period,
    by: str,
    *,
    district_id: int | None,
    today: date,
    policy: ReportPolicy,
) -> _Source:
    rollup_range, live_days, missing = selectors.plan_days(
        period.start, period.end, today=today, policy=policy
    )
    grain = (
        selectors.rollup_grain(
            period, by, rollup_range, whole=not (live_days or missing)
        )
        if rollup_range
        else None
    )
    live: dict[int, dict] = defaultdict(rules.empty_counters)
    for day in live_days:
        for dims, counters in raw.day_counters(day, policy=policy).items():
            if district_id is None or dims.district == district_id:
                rules.add_counters(live[dims.of(by)], counters)
    if period.kind == rules.DAY:  # no weekly rest in a day (``selectors.section``)
        for counters in live.values():
            counters.update(dict.fromkeys(raw.ROTA_COUNTERS, 0))
    live = {i: c for i, c in live.items() if not rules.is_empty(c)}
    return _Source(period, by, district_id, grain, live, live_days, missing)


@dataclass
class _Index:
    """A period's report but its rows' counters; the counters read so far."""

    current: _Source
    previous: _Source
    keys: list[tuple[int, str, str]]
    totals: dict
    previous_totals: dict
    counters: dict[int, dict] = field(default_factory=dict)
    previous_counters: dict[int, dict] = field(default_factory=dict)
    #: the previous period's own rows, when a page shows every row of this one
    previous_keys: list[tuple[int, str, str]] | None = None

    def page_counters(self, idents: list[int], *, every: bool) -> None:
        for source, memo in (
            (self.current, self.counters),
            (self.previous, self.previous_counters),
        ):
            wanted = [i for i in idents if i not in memo]
            if wanted:
                memo.update(source.counters(wanted, every=every))


def _index(
    period: Period,
    by: str,
    *,
    district_id: int | None,
    today: date,
    policy: ReportPolicy,
) -> _Index:
    kwargs = {"district_id": district_id, "today": today, "policy": policy}
    current = _source(period, by, **kwargs)
    previous = _source(rules.previous_period(period), by, **kwargs)
    return _Index(
        current=current,
        previous=previous,
        keys=current.index(),
        totals=current.totals(),
        previous_totals=previous.totals(),
    )


_closed_indexes = ProcessCache("REPORT_CACHE_SECONDS", max_entries=64)


def _rows(entries, memo: dict[int, dict], kind: str) -> list[dict]:
    return [
        {
            "key": key,
            "name": name,
            "metrics": rules.metrics_of(memo[ident], period_kind=kind),
        }
        for ident, key, name in entries
        if not rules.is_empty(memo[ident])
    ]


def report_page(
    period: Period,
    by: str,
    *,
    page: int = 1,
    page_size: int,
    district_id: int | None = None,
    today: date | None = None,
    policy: ReportPolicy | None = None,
) -> dict:
    """The API's JSON of ``page`` (``page_size`` rows): as
    ``selectors.report_payload(selectors.quality_report(...), page=…)``."""
    today = today or selectors.local_today()
    policy = policy or selectors.report_policy()
    kwargs = {"district_id": district_id, "today": today, "policy": policy}
    stamp = selectors.closed_stamp(period, today)
    if stamp is None:
        index = _index(period, by, **kwargs)
    else:
        key = (period.kind, period.start, by, district_id, policy.pk, stamp)
        index = _closed_indexes.get(key, lambda: _index(period, by, **kwargs))
    count = len(index.keys)
    pages = max(1, -(-count // page_size))
    entries = index.keys[(page - 1) * page_size : page * page_size]
    every = len(entries) == count
    index.page_counters([e[0] for e in entries], every=every)
    if every:
        # the whole period on one page: the previous period's rows are all
        # of its own (``selectors.report_payload``), keys gone since included
        if index.previous_keys is None:
            index.previous_keys = index.previous.index()
            memo = index.previous_counters
            if any(e[0] not in memo for e in index.previous_keys):
                memo.update(index.previous.counters([], every=True))
        previous_entries = index.previous_keys
    else:
        previous_entries = entries
    current, previous = index.current.period, index.previous.period
    return {
        "period": current.kind,
        "start": current.start.isoformat(),
        "end": current.end.isoformat(),
        "by": by,
        "count": count,
        "page": page,
        "pages": pages,
        "rows": _rows(entries, index.counters, current.kind),
        "totals": rules.metrics_of(index.totals, period_kind=current.kind),
        "previous": {
            "start": previous.start.isoformat(),
            "end": previous.end.isoformat(),
            "rows": _rows(previous_entries, index.previous_counters, previous.kind),
            "totals": rules.metrics_of(
                index.previous_totals, period_kind=previous.kind
            ),
        },
        "live_days": [d.isoformat() for d in index.current.live_days],
        "missing_days": [d.isoformat() for d in index.current.missing_days],
    }
