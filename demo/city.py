"""The demo organisation (API.md import JSON), deterministic per seed."""

from __future__ import annotations

import random

from org.models import PackageArea, Technician, TechnicianRole
from workorders.selectors import service_policy

from .constants import (
    CITY,
    CN_NUMBERS,
    GIVEN,
    MOBILE_PREFIXES,
    OUTSOURCED_AREAS,
    PRODUCTS,
    SURNAMES,
    VENDORS,
)

# --- organisation ---------------------------------------------------------------------


def _person_name(rng: random.Random, taken: set[str] | None = None) -> str:
    for _ in range(50):
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
        )
        if taken is None or name not in taken:
            break
    if taken is not None:
        taken.add(name)
    return name


def _mobile(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def build_org(seed: int) -> dict:
    """The organisation JSON of API.md for the demo city, deterministic per seed."""
    rng = random.Random(f"{seed}:org")
    data: dict[str, list] = {
        "districts": [],
        "areas": [],
        "groups": [],
        "package_areas": [],
        "vendors": [{"code": c, "name": n} for c, n in VENDORS],
        "technicians": [],
    }
    names: set[str] = set()
    phones: set[str] = set()
    area_no = group_no = package_no = tech_no = 0

    def technician(group, home, role, vendor, **kw):
        nonlocal tech_no
        tech_no += 1
        row = {
            "code": f"T{tech_no:04d}",
            "name": _person_name(rng, names),
            "phone": _mobile(rng, phones),
            "group": group,
            "home_package_area": home,
            "vendor": vendor,
            "role": role,
        }
        row.update(kw)
        data["technicians"].append(row)

    for d_code, d_name, areas in CITY:
        data["districts"].append({"code": d_code, "name": d_name})
        for a_name, short, a_type, same_day, n_groups, centre, pkg_names in areas:
            area_no += 1
            a_code = f"A{area_no:02d}"
            data["areas"].append(
                {
                    "code": a_code,
                    "name": a_name,
                    "district": d_code,
                    "area_type": a_type,
                    "same_day_enabled": same_day,
                }
            )
            pool = pkg_names.split()
            rng.shuffle(pool)
            area_vendor = OUTSOURCED_AREAS.get(a_name)
            first_package = None
            for g in range(n_groups):
                group_no += 1
                g_code = f"G{group_no:02d}"
                data["groups"].append(
                    {
                        "code": g_code,
                        "name": f"{short}{CN_NUMBERS[g]}组",
                        "area": a_code,
                    }
                )
                g_lat = centre[0] + rng.gauss(0, 0.012)
                g_lng = centre[1] + rng.gauss(0, 0.012)
                packages = []
                for _ in range(rng.randint(2, 4)):
                    package_no += 1
                    p_code = f"P{package_no:03d}"
                    name = pool.pop() if pool else f"{short}{package_no}号小区"
                    data["package_areas"].append(
                        {
                            "code": p_code,
                            "name": name,
                            "group": g_code,
                            "lat": round(g_lat + rng.gauss(0, 0.006), 5),
                            "lng": round(g_lng + rng.gauss(0, 0.006), 5),
                        }
                    )
                    packages.append(p_code)
                first_package = first_package or packages[0]
                size = rng.choices((4, 5, 6), weights=(45, 40, 15))[0]
                for i in range(size):
                    # each package area has one owner; the others float
                    home = packages[i] if i < len(packages) else rng.choice(packages)
                    if i == 0:  # the group leader can work on everything
                        skills = list(PRODUCTS)
                    else:
                        skills = ["ftth_broadband"] + [
                            p
                            for p, share in (
                                ("itv_hd", 0.85),
                                ("fixed_phone", 0.6),
                                ("fttb_broadband", 0.5),
                                ("other", 0.3),
                            )
                            if rng.random() < share
                        ]
                    vendor = area_vendor or ("V02" if rng.random() < 0.12 else None)
                    technician(
                        g_code,
                        home,
                        TechnicianRole.TECHNICIAN,
                        vendor,
                        cert_level=3
                        if i == 0
                        else rng.choices((3, 4, 5), (2, 4, 4))[0],
                        skills=skills,
                        max_open_orders=rng.choice((6, 8, 8, 10, 12)),
                        after_hours=rng.random() < 0.3,
                    )
            # the area's support team (支撑团队) and emergency staff (应急人员)
            # sit in its first group; dispatch finds them by role and area
            first_group = data["groups"][-n_groups]["code"]
            for _ in range(rng.randint(3, 4)):
                technician(
                    first_group,
                    first_package,
                    TechnicianRole.SUPPORT,
                    None,
                    cert_level=3,
                    skills=list(PRODUCTS),
                    max_open_orders=10,
                    after_hours=rng.random() < 0.5,
                )
            for _ in range(rng.randint(1, 2)):
                technician(
                    first_group,
                    first_package,
                    TechnicianRole.EMERGENCY,
                    area_vendor,
                    cert_level=rng.choice((3, 4)),
                    skills=PRODUCTS[:4],
                    max_open_orders=6,
                    after_hours=True,
                )
    return data


def org_snapshot(org: dict) -> dict:
    """What ``generate`` needs to know about the demo organisation, read back
    from the database (after the import) as plain, code-sorted data."""
    codes = [p["code"] for p in org["package_areas"]]
    packages = []
    for p in (
        PackageArea.objects.filter(code__in=codes)
        .select_related("group__area__district")
        .order_by("code")
    ):
        area = p.group.area
        packages.append(
            {
                "code": p.code,
                "name": p.name,
                "group": p.group.code,
                "area": area.code,
                "area_type": area.area_type,
                "same_day_enabled": area.same_day_enabled,
                "district": area.district.code,
                "lat": p.lat,
                "lng": p.lng,
            }
        )
    tech_codes = [t["code"] for t in org["technicians"]]
    technicians = [
        {
            "code": t.code,
            "name": t.name,
            "group": t.group.code,
            "area": t.group.area.code,
            "role": t.role,
            "skills": list(t.skills),
            "after_hours": t.after_hours,
            "max_open_orders": t.max_open_orders,
            "home_package_area": t.home_package_area.code
            if t.home_package_area_id
            else None,
        }
        for t in Technician.objects.filter(code__in=tech_codes)
        .select_related("group__area", "home_package_area")
        .order_by("code")
    ]
    policy = service_policy()
    return {
        "packages": packages,
        "technicians": technicians,
        "policy": policy.deadline,
        "first_response_minutes": policy.first_response_minutes,
    }
