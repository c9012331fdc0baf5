from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = "工单"

    def ready(self):
        from . import checks  # noqa: F401 - registers the calendar check
