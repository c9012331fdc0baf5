"""Groupings of a report and the rollup dimensions with their sentinels.

Pure: no ORM, no clock, no settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DISTRICT = "district"
GROUP = "group"
TECHNICIAN = "technician"
VENDOR = "vendor"
GROUPINGS = (DISTRICT, GROUP, TECHNICIAN, VENDOR)
GROUPING_LABELS = {
    DISTRICT: _("区局"),
    GROUP: _("区域组"),
    TECHNICIAN: _("装维工程师"),
    VENDOR: _("外包公司"),
}

#: No such dimension: an order without technician, a complaint not yet routed.
NONE = 0
#: ``vendor_id`` of a technician of the operator's own staff (no vendor).
OWN_STAFF = -1

#: API keys of the sentinel rows (the others are the org codes).
KEY_NONE = ""
KEY_OWN_STAFF = "own"
NONE_NAMES = {
    DISTRICT: _("未归属区局"),
    GROUP: _("未归属区域组"),
    TECHNICIAN: _("未派单/远程处理"),
    VENDOR: _("未派单/远程处理"),
}
OWN_STAFF_NAME = _("自有人员")


def vendor_dim(technician_id: int | None, vendor_id: int | None) -> int:
    """The vendor dimension of an order: its technician's vendor, own staff, or none."""
    if technician_id is None:
        return NONE
    return vendor_id if vendor_id is not None else OWN_STAFF


@dataclass(frozen=True, order=True)
class Dims:
    """The finest rollup grain: one order's district, group, technician, vendor."""

    district: int = NONE
    group: int = NONE
    technician: int = NONE
    vendor: int = NONE

    def of(self, grouping: str) -> int:
        return getattr(self, grouping)
