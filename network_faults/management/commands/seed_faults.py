"""Demo network faults: one suspected (detected) and one confirmed with linked
repairs, intercepted calls included. Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from network_faults.models import NetworkFault
from network_faults.services import fault_declare, fault_intercept_call, faults_detect
from org.models import AreaType, PackageArea
from workorders.services import CustomerIn, OrderIn, work_order_create

MARK = "演示"


def _repair(package_area, at, i, tag):
    return OrderIn(
        source="hotline",
        kind="repair",
        product="ftth_broadband",
        customer=CustomerIn(name=f"{tag}客户{i}", phone=f"1330{tag_digit(tag)}{i:06d}"),
        address=f"{package_area.name}{i + 1}号楼",
        package_area=package_area.code,
        lat=package_area.lat,
        lng=package_area.lng,
        accepted_at=at,
        description="光猫LOS灯红，无法上网",
    )


def tag_digit(tag: str) -> str:
    return "1" if tag == "疑似" else "2"


def seed_faults(*, now) -> list[str]:
    if NetworkFault.objects.filter(cause__startswith=MARK).exists():
        return []
    areas = list(
        PackageArea.objects.filter(group__area__area_type=AreaType.URBAN_CORE)
        .select_related("group__area")
        .order_by("code")[:2]
    )
    if len(areas) < 2:
        return []
    suspected_area, confirmed_area = areas
    created = []
    with transaction.atomic():
        for i in range(5):
            at = now - timedelta(minutes=25 - 4 * i)
            work_order_create(
                data=_repair(suspected_area, at, i, "疑似"), by=None, now=at
            )
        for fault in faults_detect(
            now=now, package_area_id=suspected_area.pk, product="ftth_broadband"
        ):
            NetworkFault.objects.filter(pk=fault.pk).update(
                cause=f"{MARK}：{fault.cause}"
            )
            created.append(fault.number)
        fault = fault_declare(
            package_areas=[confirmed_area.code],
            product="",
            cause=f"{MARK}：OLT上联光缆被施工挖断",
            started_at=now - timedelta(hours=2),
            eta=now + timedelta(hours=3),
            by=None,
            now=now - timedelta(hours=2),
        )
        created.append(fault.number)
        for i in range(6):
            at = now - timedelta(minutes=100 - 15 * i)
            data = _repair(confirmed_area, at, i, "确认")
            if i % 3 == 2:
                fault_intercept_call(fault, data=data, by=None, now=at)
            else:
                work_order_create(data=data, by=None, now=at)
    return created


class Command(BaseCommand):
    help = "Seed one suspected and one confirmed demo network fault (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--now", default="", help="ISO time; default: the clock")

    def handle(self, *args, now="", **options):
        at = parse_datetime(now) if now else timezone.now()
        numbers = seed_faults(now=at)
        if numbers:
            self.stdout.write(f"网络故障 network faults: {', '.join(numbers)}")
        else:
            self.stdout.write(
                "网络故障: 已有演示故障，跳过 (demo faults present: skipped)"
            )
