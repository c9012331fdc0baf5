from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "时限管控"
