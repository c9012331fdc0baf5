"""Writes to the organisation: the JSON import of API.md and user scoping."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from dispatch_center.roles import Role

from .models import (
    Area,
    AreaType,
    District,
    PackageArea,
    Product,
    RegionGroup,
    StaffProfile,
    Technician,
    TechnicianRole,
    Vendor,
)


class OrgImportError(Exception):
    """The file is wrong; the message names the section, row and code."""


@dataclass
class ImportCounts:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def add(self, section: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[section] = bucket.get(section, 0) + 1


SECTIONS = ("districts", "areas", "groups", "package_areas", "vendors", "technicians")


def _rows(data: dict, section: str) -> list[dict]:
    rows = data.get(section, [])
    if not isinstance(rows, list):
        raise OrgImportError(f"{section}: must be a list")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise OrgImportError(f"{section}[{i}]: must be an object")
        code = row.get("code")
        if not isinstance(code, str) or not code.strip():
            raise OrgImportError(f"{section}[{i}]: missing 'code'")
        if code in seen:
            raise OrgImportError(f"{section}[{i}] ({code}): code appears twice")
        seen.add(code)
        if not isinstance(row.get("name"), str) or not row["name"].strip():
            raise OrgImportError(f"{section}[{i}] ({code}): missing 'name'")
    return rows


def _ref(section, i, row, key, index, kind, *, optional=False):
    value = row.get(key)
    if value is None and optional:
        return None
    if value not in index:
        raise OrgImportError(
            f"{section}[{i}] ({row['code']}): unknown {kind} {value!r} in '{key}'"
        )
    return index[value]


def _upsert(model, code: str, values: dict, counts: ImportCounts, section: str):
    """Create, update changed fields only, or leave alone (no history noise)."""
    obj = model.objects.filter(code=code).first()
    if obj is None:
        obj = model.objects.create(code=code, **values)
        counts.add(section, "created")
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save()
        counts.add(section, "updated")
    else:
        counts.add(section, "unchanged")
    return obj


@transaction.atomic
def org_import(data: dict) -> ImportCounts:
    """Upsert the organisation by code; all or nothing.

    1. Check every section and every reference, against the file and the
       database, before writing anything.
    2. Upsert top-down (districts … technicians), saving only changed rows.
    3. Give each technician a login (username = technician code, group
       ``technician``), created without a usable password.
    """
    if not isinstance(data, dict):
        raise OrgImportError("the file must hold a JSON object")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise OrgImportError(f"unknown section(s): {', '.join(sorted(unknown))}")
    rows = {s: _rows(data, s) for s in SECTIONS}

    def known(model, section):
        codes = set(model.objects.values_list("code", flat=True))
        return codes | {r["code"] for r in rows[section]}

    districts = {c: c for c in known(District, "districts")}
    areas = {c: c for c in known(Area, "areas")}
    groups = {c: c for c in known(RegionGroup, "groups")}
    packages = {c: c for c in known(PackageArea, "package_areas")}
    vendors = {c: c for c in known(Vendor, "vendors")}
    products = set(Product.values)

    for i, r in enumerate(rows["areas"]):
        _ref("areas", i, r, "district", districts, "district")
        if r.get("area_type", AreaType.URBAN_CORE) not in AreaType.values:
            raise OrgImportError(
                f"areas[{i}] ({r['code']}): area_type must be one of {AreaType.values}"
            )
    for i, r in enumerate(rows["groups"]):
        _ref("groups", i, r, "area", areas, "area")
    for i, r in enumerate(rows["package_areas"]):
        _ref("package_areas", i, r, "group", groups, "group")
        for coord in ("lat", "lng"):
            if r.get(coord) is not None and not isinstance(r[coord], int | float):
                raise OrgImportError(
                    f"package_areas[{i}] ({r['code']}): {coord} must be a number"
                )
    for i, r in enumerate(rows["technicians"]):
        _ref("technicians", i, r, "group", groups, "group")
        _ref(
            "technicians",
            i,
            r,
            "home_package_area",
            packages,
            "package area",
            optional=True,
        )
        _ref("technicians", i, r, "vendor", vendors, "vendor", optional=True)
        bad = [s for s in r.get("skills", []) if s not in products]
        if bad:
            raise OrgImportError(
                f"technicians[{i}] ({r['code']}): unknown skill(s) {bad}; use {sorted(products)}"
            )
        if r.get("role", TechnicianRole.TECHNICIAN) not in TechnicianRole.values:
            raise OrgImportError(
                f"technicians[{i}] ({r['code']}): role must be one of {TechnicianRole.values}"
            )
        level = r.get("cert_level", 5)
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise OrgImportError(
                f"technicians[{i}] ({r['code']}): cert_level must be 1-5"
            )
        cap = r.get("max_open_orders", 8)
        if not isinstance(cap, int) or cap < 1:
            raise OrgImportError(
                f"technicians[{i}] ({r['code']}): max_open_orders must be a positive integer"
            )
        if not str(r.get("phone", "")).strip():
            raise OrgImportError(f"technicians[{i}] ({r['code']}): missing 'phone'")

    counts = ImportCounts()
    by_code: dict[str, dict] = {s: {} for s in SECTIONS}
    for r in rows["districts"]:
        by_code["districts"][r["code"]] = _upsert(
            District, r["code"], {"name": r["name"]}, counts, "districts"
        )

    def lookup(model, section, code):
        if code is None:
            return None
        return by_code[section].get(code) or model.objects.get(code=code)

    for r in rows["areas"]:
        by_code["areas"][r["code"]] = _upsert(
            Area,
            r["code"],
            {
                "name": r["name"],
                "district": lookup(District, "districts", r["district"]),
                "area_type": r.get("area_type", AreaType.URBAN_CORE),
                "same_day_enabled": bool(r.get("same_day_enabled", True)),
            },
            counts,
            "areas",
        )
    for r in rows["groups"]:
        by_code["groups"][r["code"]] = _upsert(
            RegionGroup,
            r["code"],
            {"name": r["name"], "area": lookup(Area, "areas", r["area"])},
            counts,
            "groups",
        )
    for r in rows["package_areas"]:
        by_code["package_areas"][r["code"]] = _upsert(
            PackageArea,
            r["code"],
            {
                "name": r["name"],
                "group": lookup(RegionGroup, "groups", r["group"]),
                "lat": r.get("lat"),
                "lng": r.get("lng"),
            },
            counts,
            "package_areas",
        )
    for r in rows["vendors"]:
        by_code["vendors"][r["code"]] = _upsert(
            Vendor, r["code"], {"name": r["name"]}, counts, "vendors"
        )

    technician_group, _ = Group.objects.get_or_create(name=Role.TECHNICIAN)
    User = get_user_model()
    for r in rows["technicians"]:
        user = User.objects.filter(username=r["code"]).first()
        if user is None:
            user = User(username=r["code"], first_name=r["name"])
            user.set_unusable_password()
            user.save()
        user.groups.add(technician_group)
        _upsert(
            Technician,
            r["code"],
            {
                "name": r["name"],
                "phone": str(r["phone"]),
                "user": user,
                "group": lookup(RegionGroup, "groups", r["group"]),
                "home_package_area": lookup(
                    PackageArea, "package_areas", r.get("home_package_area")
                ),
                "vendor": lookup(Vendor, "vendors", r.get("vendor")),
                "cert_level": r.get("cert_level", 5),
                "skills": list(r.get("skills", [])),
                "role": r.get("role", TechnicianRole.TECHNICIAN),
                "max_open_orders": r.get("max_open_orders", 8),
                "after_hours": bool(r.get("after_hours", False)),
            },
            counts,
            "technicians",
        )
    return counts


def escalation_staff_ensure(*, password: str | None = None) -> list[str]:
    """The default escalation contacts of the city (SPEC §5), idempotently.

    Level 2 tells the district's managers and level 3 the centre's managers
    (managers without a district scope). Every district without an active
    manager of its own gets one (``manager_<district code>``), and the centre
    gets ``manager_centre`` when it has no manager; nothing else changes.
    ``password`` is set on the users created (else they cannot log in).
    Returns the usernames created.
    """
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=Role.MANAGER)
    managers = User.objects.filter(groups=group, is_active=True)
    created = []

    def create(username: str, full_name: str, district: District | None) -> None:
        user, new = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name[:150]}
        )
        if new:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            created.append(username)
        user.groups.add(group)
        StaffProfile.objects.update_or_create(
            user=user, defaults={"district": district}
        )

    with transaction.atomic():
        for district in District.objects.order_by("code"):
            if not managers.filter(staff_profile__district=district).exists():
                create(
                    f"manager_{district.code.lower()}", f"{district.name}经理", district
                )
        centre = managers.filter(
            Q(staff_profile__isnull=True) | Q(staff_profile__district__isnull=True)
        )
        if not centre.exists():
            create("manager_centre", "综调中心经理", None)
    return created
