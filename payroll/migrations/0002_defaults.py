"""Default rate tables (SPEC §9), editable in the admin afterwards.

Idempotent: rows that exist are left as they are (the test suite re-runs
data migrations after flushing the database).
"""

from decimal import Decimal

from django.db import migrations

#: 单价 (yuan per order) by kind and product; difficulty 1.00 everywhere.
UNIT_PRICES = {
    ("install", "ftth_broadband"): "30.00",
    ("install", "itv_hd"): "20.00",
    ("install", "fixed_phone"): "15.00",
    ("install", "fttb_broadband"): "25.00",
    ("install", "other"): "15.00",
    ("move", "ftth_broadband"): "25.00",
    ("move", "itv_hd"): "15.00",
    ("move", "fixed_phone"): "12.00",
    ("move", "fttb_broadband"): "20.00",
    ("move", "other"): "12.00",
    ("repair", "ftth_broadband"): "20.00",
    ("repair", "itv_hd"): "15.00",
    ("repair", "fixed_phone"): "12.00",
    ("repair", "fttb_broadband"): "15.00",
    ("repair", "other"): "10.00",
}

#: code, rank, coefficient, min satisfaction, max repeat-fault rate, max complaints
GRADES = [
    ("A", 1, "1.10", "0.9800", "0.0200", 0),
    ("B", 2, "1.00", "0.9500", "0.0500", 1),
    ("C", 3, "0.90", "0.9000", "0.1000", 2),
    ("D", 4, "0.80", None, None, None),
]

#: cert level → (post wage, base workload in standard hours); level 5 lowest.
LEVELS = {
    5: ("2800.00", "120.00"),
    4: ("3100.00", "120.00"),
    3: ("3400.00", "110.00"),
    2: ("3700.00", "100.00"),
    1: ("4000.00", "100.00"),
}


def _dec(value):
    return None if value is None else Decimal(value)


def create_defaults(apps, schema_editor):
    PieceRate = apps.get_model("payroll", "PieceRate")
    PayrollPolicy = apps.get_model("payroll", "PayrollPolicy")
    QualityGrade = apps.get_model("payroll", "QualityGrade")
    CertLevelPay = apps.get_model("payroll", "CertLevelPay")
    for (kind, product), price in UNIT_PRICES.items():
        PieceRate.objects.get_or_create(
            kind=kind,
            product=product,
            defaults={"unit_price": Decimal(price), "difficulty": Decimal("1.00")},
        )
    if not PayrollPolicy.objects.exists():
        PayrollPolicy.objects.create()
    if not QualityGrade.objects.exists():
        for code, rank, coefficient, satisfaction, repeat, complaints in GRADES:
            QualityGrade.objects.create(
                code=code,
                rank=rank,
                coefficient=Decimal(coefficient),
                min_satisfaction=_dec(satisfaction),
                max_repeat_rate=_dec(repeat),
                max_complaints=complaints,
            )
    for level, (wage, hours) in LEVELS.items():
        CertLevelPay.objects.get_or_create(
            cert_level=level,
            defaults={"post_wage": Decimal(wage), "base_hours": Decimal(hours)},
        )


class Migration(migrations.Migration):
    dependencies = [("payroll", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
