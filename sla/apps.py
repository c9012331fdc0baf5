from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = pgettext_lazy("app", "时限管控")
