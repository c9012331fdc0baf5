from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = pgettext_lazy("app", "投诉")
