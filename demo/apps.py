from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city (``seed_demo``): the top layer, it may use every app."""

    name = "demo"
    verbose_name = _("演示数据")
