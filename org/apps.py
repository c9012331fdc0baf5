from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = pgettext_lazy("app", "组织架构")
