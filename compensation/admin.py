from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Claim, CompensationPolicy, Recharge


@admin.register(CompensationPolicy)
class CompensationPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "install_amount",
        "repair_per_day",
        "repair_cap",
        "pay_within_days",
        "vendor_threshold",
    )

    def has_add_permission(self, request):
        return not CompensationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    """Read-only here: audit and payout go through the API/console services."""

    list_display = (
        "work_order",
        "kind",
        "status",
        "days_late",
        "amount",
        "exemption",
        "liable_party",
        "vendor",
        "district",
        "pay_by",
        "paid_at",
    )
    list_filter = ("status", "kind", "exemption", "liable_party", "district", "vendor")
    search_fields = ("work_order__number", "phone")
    date_hierarchy = "completed_at"
    readonly_fields = [f.name for f in Claim._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Recharge)
class RechargeAdmin(admin.ModelAdmin):
    list_display = ("at", "phone", "amount", "claim", "key")
    readonly_fields = [f.name for f in Recharge._meta.fields]
