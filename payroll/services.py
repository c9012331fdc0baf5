"""Payroll runs: compute a month (a new version each time), review, lock;
management assessments (rewards and penalties).

The only code that writes payroll rows. A run's lines and items are written
once, inside the transaction that creates the run; nothing updates them
afterwards, and once the run is locked the database refuses to (triggers,
see migration 0003).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from dispatch_center.errors import Conflict, InvalidInput, InvalidTransition
from org.models import Technician

from . import rules, selectors
from .models import (
    Adjustment,
    AdjustmentKind,
    PayrollItem,
    PayrollLine,
    PayrollRun,
    RunStatus,
)

log = logging.getLogger("payroll")

ITEM_STORE = Decimal("0.000001")  # PayrollItem.amount's 6 places
LINE_BATCH = 1000
ITEM_BATCH = 20000


def month_checked(month, *, now: datetime) -> tuple[datetime, datetime]:
    """The month's bounds, or 400 naming ``month`` (bad format or future)."""
    try:
        start, end = rules.month_bounds(month)
    except (ValueError, TypeError):
        raise InvalidInput(
            "month", gettext("月份格式须为 YYYY-MM，如 2026-11。")
        ) from None
    if start > now:
        raise InvalidInput("month", gettext("不能核算未来的月份。"))
    return start, end


# --- computing a run ---------------------------------------------------------------


def payroll_run_create(*, month: str, by, now: datetime | None = None) -> PayrollRun:
    """Compute ``month`` as a new draft run (version = last version + 1).

    1. Validate the month (400 ``month``) before writing anything.
    2. Insert the run row; a concurrent computation of the same month that
       took the same version number loses on the unique (month, version)
       constraint: 409, nothing written. On PostgreSQL the whole
       computation reads one snapshot (REPEATABLE READ) when it runs in its
       own transaction.
    3. Read the rate tables once and the month's facts per technician
       (quality, rewards, penalties), then walk the counted orders once,
       ordered by technician and completion time (``_compute``), writing
       items and lines in batches.
    4. Store the run's totals. All in one transaction: a failure leaves
       nothing behind.
    """
    now = now or timezone.now()
    start, end = month_checked(month, now=now)
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if own_transaction:
                    # One snapshot for the whole computation: the facts, the
                    # technicians and the order stream see the same database.
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # Short queries over many rows: compiling them (JIT) costs
                # more than running them.
                cursor.execute("SET LOCAL jit = off")
        version = (
            PayrollRun.objects.filter(month=month).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        rates = selectors.rates_load()
        zero = Decimal("0.00")
        try:
            with transaction.atomic():
                run = PayrollRun.objects.create(
                    month=month,
                    version=version,
                    created_at=now,
                    created_by=by,
                    post_wage=zero,
                    piece_wage=zero,
                    rewards=zero,
                    penalties=zero,
                    total=zero,
                    rates=rates.snapshot(),
                )
        except IntegrityError:
            raise Conflict(
                gettext("%(month)s 正由他人核算，请稍后重试。") % {"month": month}
            ) from None
        totals = _compute(run, rates, start, end)
        for name, value in totals.items():
            setattr(run, name, value)
        run.save(update_fields=list(totals))
    log.info(
        "payroll run %s v%s: %s technicians, %s orders, total %s",
        month,
        version,
        run.technicians,
        run.orders,
        run.total,
    )
    return run


@dataclass
class _Totals:
    technicians: int = 0
    orders: int = 0
    post_wage: Decimal = rules.ZERO
    piece_wage: Decimal = rules.ZERO
    rewards: Decimal = rules.ZERO
    penalties: Decimal = rules.ZERO
    total: Decimal = rules.ZERO

    def add(self, line: PayrollLine) -> None:
        self.technicians += 1
        self.orders += line.orders
        self.post_wage += line.post_wage
        self.piece_wage += line.piece_wage
        self.rewards += line.rewards
        self.penalties += line.penalties
        self.total += line.total


def _compute(
    run: PayrollRun, rates: selectors.Rates, start: datetime, end: datetime
) -> dict:
    """Lines for every technician, items for every counted order.

    Memory stays flat in the number of orders: the orders arrive as one
    ordered stream (a server-side cursor on PostgreSQL), each technician's
    are fed through a ``PieceCalculator`` (running totals only), and items
    and lines go to the database in batches. What is held per technician
    (the month's facts, one small tuple each) grows with technicians only.
    """
    facts = selectors.month_facts(run.month, start, end)
    items = _ItemWriter(run.pk)
    lines: list[PayrollLine] = []
    totals = _Totals()
    classes: dict[tuple, _OrderClass] = {}

    by_technician = groupby(selectors.order_stream(start, end), key=lambda row: row[0])
    pending = next(by_technician, None)
    for tid, vendor_id, cert_level, district_id in selectors.technicians_for_pay():
        basis = rates.basis_of(tid, cert_level)
        stats = facts.quality(tid)
        grade = rules.quality_grade(stats, rates.grades)
        calc = rules.PieceCalculator(base=basis.base_hours)
        if pending is not None and pending[0] < tid:
            raise _technicians_changed()
        if pending is not None and pending[0] == tid:
            _feed(calc, pending[1], grade, rates, classes, items)
            pending = next(by_technician, None)
        piece_wage = calc.piece_wage
        rewards = facts.rewards.get(tid, rules.ZERO)
        penalties = facts.penalties.get(tid, rules.ZERO)
        line = PayrollLine(
            run=run,
            technician_id=tid,
            vendor_id=vendor_id,
            district_id=district_id,
            cert_level=cert_level,
            post_wage=basis.post_wage,
            base_hours=basis.base_hours,
            worked_hours=calc.worked,
            paid_hours=calc.paid,
            orders=calc.orders,
            paid_orders=calc.paid_orders,
            piece_wage=piece_wage,
            rewards=rewards,
            penalties=penalties,
            total=rules.line_total(
                post_wage=basis.post_wage,
                piece_wage=piece_wage,
                rewards=rewards,
                penalties=penalties,
            ),
            grade=grade.code,
            grade_coefficient=grade.coefficient,
            callbacks=stats.callbacks,
            satisfied=stats.satisfied,
            repairs=stats.repairs,
            repeat_faults=stats.repeat_faults,
            complaints=stats.complaints,
        )
        totals.add(line)
        lines.append(line)
        if len(lines) >= LINE_BATCH:
            PayrollLine.objects.bulk_create(lines)
            lines.clear()
    if pending is not None:
        raise _technicians_changed()
    if lines:
        PayrollLine.objects.bulk_create(lines)
    items.close()
    return {
        "technicians": totals.technicians,
        "orders": totals.orders,
        "post_wage": totals.post_wage,
        "piece_wage": totals.piece_wage,
        "rewards": totals.rewards,
        "penalties": totals.penalties,
        "total": totals.total,
    }


def _technicians_changed() -> Conflict:
    # The order stream and the technician list are both ordered by technician
    # id; an order whose technician is not in the list means the technicians
    # changed between the two reads.
    return Conflict(gettext("核算期间工程师名单有变动，请重试。"))


@dataclass(frozen=True)
class _OrderClass:
    """What every order of one (kind, product, same-day, after-hours, grade)
    shares: its hours and coefficients, and those as COPY text, computed once."""

    hours: Decimal
    rate: Decimal  # the product of the coefficients
    values: tuple  # in ``CLASS_FIELDS`` order
    text: str


def _order_class(
    kind: str,
    product: str,
    same_day: bool,
    after_hours: bool,
    grade: rules.GradeRule,
    rates: selectors.Rates,
) -> _OrderClass:
    unit_price, difficulty = rates.piece.get((kind, product), (rules.ZERO, rules.ONE))
    rate = rules.order_rate(
        unit_price=unit_price,
        difficulty=difficulty,
        same_day=same_day,
        after_hours=after_hours,
        same_day_coefficient=rates.same_day_coefficient,
        after_hours_coefficient=rates.after_hours_coefficient,
        grade_coefficient=grade.coefficient,
    )
    hours = rates.hours.get((kind, product), rates.default_hours)
    values = (
        kind,
        product,
        hours,
        rate.unit_price,
        rate.difficulty,
        same_day,
        rate.same_day,
        after_hours,
        rate.after_hours,
        rate.grade,
    )
    return _OrderClass(hours, rate.rate, values, "\t".join(map(_copy_text, values)))


def _feed(
    calc: rules.PieceCalculator,
    orders: Iterable[tuple],
    grade: rules.GradeRule,
    rates: selectors.Rates,
    classes: dict,
    items: _ItemWriter,
) -> None:
    """One technician's orders (completion order) through the calculator."""
    on_time_only = rates.same_day_on_time_only
    start, end = rates.workday_start, rates.workday_end
    for seq, (
        tid,
        order_id,
        number,
        kind,
        product,
        completed_at,
        arrived_at,
        is_same_day,
        promised_by,
    ) in enumerate(orders, start=1):
        same_day = rules.earns_same_day(
            is_same_day=is_same_day,
            completed_at=completed_at,
            commitment_deadline=promised_by,
            on_time_only=on_time_only,
        )
        after_hours = rules.is_after_hours(
            arrived_at=arrived_at, completed_at=completed_at, start=start, end=end
        )
        key = (kind, product, same_day, after_hours, grade.code)
        cls = classes.get(key)
        if cls is None:
            cls = classes[key] = _order_class(*key[:4], grade, rates)
        before, paid, amount = calc.add(cls.hours, cls.rate)
        items.add(
            (
                tid,
                seq,
                order_id,
                number,
                completed_at,
                before,
                paid,
                amount.quantize(ITEM_STORE, rounding=ROUND_HALF_UP),
            ),
            cls,
        )


#: PayrollItem columns of each order's own values, in ``_ItemWriter.add`` order,
ROW_FIELDS = (
    "technician_id",
    "seq",
    "work_order_id",
    "number",
    "completed_at",
    "hours_before",
    "paid_hours",
    "amount",
)
#: and of the values its class shares (``_OrderClass.values``).
CLASS_FIELDS = (
    "kind",
    "product",
    "hours",
    "unit_price",
    "difficulty",
    "same_day",
    "same_day_coefficient",
    "after_hours",
    "after_hours_coefficient",
    "grade_coefficient",
)


class _ItemWriter:
    """Buffers item rows and writes them in batches: ``COPY … FROM STDIN`` on
    PostgreSQL (psycopg2), ``bulk_create`` elsewhere."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.rows: list[tuple[tuple, _OrderClass]] = []
        with connection.cursor() as cursor:
            self.copy = connection.vendor == "postgresql" and hasattr(
                cursor.cursor, "copy_expert"
            )

    def add(self, row: tuple, cls: _OrderClass) -> None:
        self.rows.append((row, cls))
        if len(self.rows) >= ITEM_BATCH:
            self.flush()

    def close(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            self._copy(self.rows)
        else:
            PayrollItem.objects.bulk_create(
                (
                    PayrollItem(
                        run_id=self.run_id,
                        **dict(zip(ROW_FIELDS, row, strict=True)),
                        **dict(zip(CLASS_FIELDS, cls.values, strict=True)),
                    )
                    for row, cls in self.rows
                ),
                batch_size=1000,
            )
        self.rows = []

    def _copy(self, rows: list[tuple[tuple, _OrderClass]]) -> None:
        """COPY's text format, written out column by column: a generic
        per-value conversion would cost more than the rest of the run."""
        prefix = f"{self.run_id}\t"
        escape = _COPY_ESCAPES
        buffer = io.StringIO(
            "".join(
                f"{prefix}{r[0]}\t{r[1]}\t{r[2]}\t{r[3].translate(escape)}\t"
                f"{r[4].isoformat()}\t{r[5]}\t{r[6]}\t{r[7]}\t{cls.text}\n"
                for r, cls in rows
            )
        )
        columns = ", ".join(
            connection.ops.quote_name(PayrollItem._meta.get_field(name).column)
            for name in ("run_id", *ROW_FIELDS, *CLASS_FIELDS)
        )
        table = connection.ops.quote_name(PayrollItem._meta.db_table)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


#: COPY's text format escapes (only the order number is free text).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in COPY's text format. Decimals print as plain numbers: they
    are NUMERIC column values and their sums and products (never exponents)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


# --- review and lock -----------------------------------------------------------------


#: What ``_transition`` does, as users read it.
VERBS = {"review": gettext_lazy("审核"), "lock": gettext_lazy("锁定")}


def _cannot(run: PayrollRun, src: str, verb: str) -> InvalidTransition:
    return InvalidTransition(
        gettext("该次核算的状态为“%(status)s”，须为“%(src)s”才能%(verb)s。")
        % {
            "status": run.get_status_display(),
            "src": RunStatus(src).label,
            "verb": VERBS.get(verb, verb),
        }
    )


def _transition(
    run: PayrollRun, src: str, dst: str, *, verb: str, stamp: str, by, now
) -> PayrollRun:
    """Compare-and-set ``src → dst``: if someone else moved the run first,
    no row changes and we refuse rather than overwrite."""
    if run.status != src:
        raise _cannot(run, src, verb)
    changed = PayrollRun.objects.filter(pk=run.pk, status=src).update(
        status=dst, **{f"{stamp}_at": now, f"{stamp}_by": by}
    )
    if not changed:
        run.refresh_from_db()
        raise _cannot(run, src, verb)
    run.status = dst
    setattr(run, f"{stamp}_at", now)
    setattr(run, f"{stamp}_by", by)
    return run


def payroll_run_review(run: PayrollRun, *, by, now: datetime | None = None):
    """draft → reviewed (审核)."""
    now = now or timezone.now()
    with transaction.atomic():
        return _transition(
            run,
            RunStatus.DRAFT,
            RunStatus.REVIEWED,
            verb="review",
            stamp="reviewed",
            by=by,
            now=now,
        )


def payroll_run_lock(run: PayrollRun, *, by, now: datetime | None = None):
    """reviewed → locked. A draft must be reviewed first (409). A month is paid
    once: with another version of the month locked, 409 ``month_locked``."""
    now = now or timezone.now()
    if run.status == RunStatus.REVIEWED:
        other = (
            PayrollRun.objects.filter(month=run.month, status=RunStatus.LOCKED)
            .exclude(pk=run.pk)
            .first()
        )
        if other is not None:
            raise _month_locked(other)
    try:
        with transaction.atomic():
            return _transition(
                run,
                RunStatus.REVIEWED,
                RunStatus.LOCKED,
                verb="lock",
                stamp="locked",
                by=by,
                now=now,
            )
    except IntegrityError:  # a concurrent lock of another version won
        other = PayrollRun.objects.filter(
            month=run.month, status=RunStatus.LOCKED
        ).first()
        raise _month_locked(other) from None


def _month_locked(other: PayrollRun | None) -> Conflict:
    if other is None:
        text = gettext("本月已锁定，每月只发放一次。")
    else:
        text = gettext("本月已锁定（第 %(version)s 版），每月只发放一次。") % {
            "version": other.version
        }
    return Conflict(text, code="month_locked")


# --- management assessments ---------------------------------------------------------------


def adjustment_create(
    *,
    technician: Technician,
    month: str,
    kind: str,
    amount: Decimal,
    reason: str,
    by,
    now: datetime | None = None,
) -> Adjustment:
    """管理考核: a reward or a penalty for a technician, counted in ``month``."""
    now = now or timezone.now()
    try:
        rules.parse_month(month)
    except ValueError:
        raise InvalidInput(
            "month", gettext("月份格式须为 YYYY-MM，如 2026-11。")
        ) from None
    if kind not in AdjustmentKind.values:
        raise InvalidInput("kind", gettext("考核类型须为奖励或处罚。"))
    if amount <= 0 or amount != rules.money(amount):
        raise InvalidInput("amount", gettext("金额须为正数，精确到分。"))
    if not reason.strip():
        raise InvalidInput("reason", gettext("请填写原因。"))
    return Adjustment.objects.create(
        technician=technician,
        month=month,
        kind=kind,
        amount=amount,
        reason=reason.strip(),
        created_by=by,
        created_at=now,
    )
