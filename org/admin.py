from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Area,
    District,
    PackageArea,
    RegionGroup,
    StaffProfile,
    Technician,
    Vendor,
)


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "district", "area_type", "same_day_enabled")
    list_filter = ("area_type", "same_day_enabled", "district")
    search_fields = ("code", "name")


@admin.register(RegionGroup)
class RegionGroupAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "area", "leader")
    list_filter = ("area__district",)
    search_fields = ("code", "name")
    autocomplete_fields = ("leader",)


@admin.register(PackageArea)
class PackageAreaAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "group", "lat", "lng")
    list_select_related = ("group",)
    search_fields = ("code", "name")


@admin.register(Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Technician)
class TechnicianAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "phone",
        "group",
        "role",
        "vendor",
        "cert_level",
        "max_open_orders",
        "after_hours",
        "status",
    )
    list_filter = ("role", "status", "after_hours", "vendor", "group__area__district")
    list_select_related = ("group", "vendor")
    search_fields = ("code", "name", "phone")
    raw_id_fields = ("user", "home_package_area")


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "district", "department")
    list_select_related = ("user", "district")
    raw_id_fields = ("user",)
