from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = pgettext_lazy("app", "慢必赔")
