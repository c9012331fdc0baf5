"""Read queries on the organisation."""

from __future__ import annotations

from dispatch_center.caching import ProcessCache

from .models import Area, PackageArea, RegionGroup, Technician

_package_areas = ProcessCache("POLICY_CACHE_SECONDS")


def package_area_for_intake(code: str) -> PackageArea | None:
    """The package area with its group, area and district, or None.

    Read on every create. Every package area is loaded in one query and kept
    per process like the policies (``POLICY_CACHE_SECONDS``): a province's
    2,000 小包区 cost one query a period instead of one query for nearly
    every create (a CRM's orders spread over all of them). A code not among
    them (imported since) is read alone, so a new area takes orders at once;
    a changed one is in force within that time. The instances are shared
    between requests: read them, never change them.
    """
    found = _package_areas.get("all", _all_package_areas).get(code)
    if found is None:
        found = (
            PackageArea.objects.select_related("group__area__district")
            .filter(code=code)
            .first()
        )
    return found


def _all_package_areas() -> dict[str, PackageArea]:
    return {
        p.code: p for p in PackageArea.objects.select_related("group__area__district")
    }


def package_area_cache_clear() -> None:
    _package_areas.clear()


# --- district scope -------------------------------------------------------------------
# A user with a ``StaffProfile`` tied to a district sees and acts only inside it
# (API.md: "a user scoped to a district sees only that district"). Every API
# view and page that looks an organisation object up by a code or id from the
# request goes through one of these, so a foreign object is as unknown as a
# missing one.


def user_district_id(user) -> int | None:
    """The district a scoped user works in; None for city-wide users."""
    profile = getattr(user, "staff_profile", None)
    return profile.district_id if profile is not None else None


def areas_visible_to(user):
    district_id = user_district_id(user)
    qs = Area.objects.all()
    return qs if district_id is None else qs.filter(district_id=district_id)


def groups_visible_to(user):
    district_id = user_district_id(user)
    qs = RegionGroup.objects.select_related("area")
    return qs if district_id is None else qs.filter(area__district_id=district_id)


def technicians_visible_to(user):
    district_id = user_district_id(user)
    qs = Technician.objects.select_related("group__area", "home_package_area")
    return (
        qs if district_id is None else qs.filter(group__area__district_id=district_id)
    )
