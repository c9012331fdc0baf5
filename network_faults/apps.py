from django.apps import AppConfig


class NetworkFaultsConfig(AppConfig):
    name = "network_faults"
    verbose_name = "网络故障"
