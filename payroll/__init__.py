"""Piece-rate payroll (计件工资, SPEC §9; seed 000 措施二/三, seed 002 §四(四)).

Monthly pay = post wage (岗位工资) + piece wage (计件工资) + rewards − penalties
(单项奖罚). Where each rule lives:

- ``rules``: the pure rules — base-workload filling and the pro-rata straddle,
  coefficient stacking, the quality grade, rounding (once per line, to the
  fen, half up). Read its docstring for the exact definitions.
- ``models``: the rate tables (admin-editable, defaults in migration 0002),
  runs, lines, items; migration 0003 adds the triggers that keep a locked
  run unchanged.
- ``selectors``: the month's facts, set-based — callbacks, repeat faults (on
  the technician of the previous repair), published complaint penalties
  (``complaints.selectors.penalties_for_month``), management assessments —
  and the ordered order stream.
- ``services``: computing a run (a new version per computation), review,
  lock (one locked version per month), assessments.
- ``api``: ``/api/v1/payroll/runs/`` (+ ``lines/``, ``lines/{id}/items/``,
  ``review/``, ``lock/``, ``diff/?against=``, ``vendors/``, ``export/``),
  ``/api/v1/payroll/my-lines/`` for technicians, ``/api/v1/payroll/adjustments/``.

Customer compensation (慢必赔) is never read here, so it can never reduce pay
(seed 002 §四(九)2); ``tests/payroll`` checks both the behaviour and the imports.
"""
