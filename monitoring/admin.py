from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "overdue_after_seconds",
        "last_sent_at",
        "last_started_at",
        "last_success_at",
        "last_failure_at",
        "runs",
        "failures",
    ]
    fields = ["name", "overdue_after_seconds", "last_error"]
    readonly_fields = ["name", "last_error"]
