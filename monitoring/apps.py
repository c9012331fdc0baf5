from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = pgettext_lazy("app", "运行监控")

    def ready(self):
        # Celery signals: every task run (in a worker, or eager in a test)
        # records its start, success or failure and duration.
        from . import signals  # noqa: F401
