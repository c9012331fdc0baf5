from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = pgettext_lazy("app", "工单")

    def ready(self):
        from . import checks  # noqa: F401 - registers the calendar check
