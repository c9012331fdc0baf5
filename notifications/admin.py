from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MessageTemplate, Notification
from .services import outbox_replay_dead


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
    actions = ["replay_dead"]

    @admin.action(description=_("重新发送所选的发送失败消息"), permissions=["change"])
    def replay_dead(self, request, queryset):
        replayed = outbox_replay_dead(
            ids=queryset.values_list("id", flat=True),
            by=request.user,
            now=timezone.now(),
        )
        self.message_user(
            request,
            ngettext(
                "已重新排队 %(count)d 条发送失败的消息。",
                "已重新排队 %(count)d 条发送失败的消息。",
                replayed,
            )
            % {"count": replayed},
            messages.SUCCESS if replayed else messages.WARNING,
        )

    def has_add_permission(self, request):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("topic", "channel", "text")
