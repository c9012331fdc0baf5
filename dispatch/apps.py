from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = pgettext_lazy("app", "调度")
