"""Read queries on the organisation."""

from __future__ import annotations

from dispatch_center.caching import ProcessCache

from .models import PackageArea

_package_areas = ProcessCache("POLICY_CACHE_SECONDS")


def package_area_for_intake(code: str) -> PackageArea | None:
    """The package area with its group, area and district, or None.

    Read on every create; cached per process like the policies
    (``POLICY_CACHE_SECONDS``), so an organisation import is in force within
    that time. The instances are shared between requests: read them, never
    change them.
    """
    return _package_areas.get(
        code,
        lambda: (
            PackageArea.objects.select_related("group__area__district")
            .filter(code=code)
            .first()
        ),
    )


def package_area_cache_clear() -> None:
    _package_areas.clear()
