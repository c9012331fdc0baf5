from django.contrib import admin

from .models import MessageTemplate, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "topic",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("channel", "status", "topic")
    search_fields = ("recipient", "body", "dedupe_key")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("topic", "channel", "text")
