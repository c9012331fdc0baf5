from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class NetworkFaultsConfig(AppConfig):
    name = "network_faults"
    verbose_name = pgettext_lazy("app", "网络故障")
