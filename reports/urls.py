from django.urls import path
from django.views.generic import RedirectView

from . import fault_views, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reports-dashboard", query_string=True)),
    path("quality/", views.dashboard, name="reports-dashboard"),
    path("orders/", views.orders, name="reports-orders"),
    path("warnings/", views.warnings, name="reports-warnings"),
    path("network-faults/", fault_views.fault_dashboard, name="reports-fault-page"),
    path("stored/", views.stored, name="reports-stored"),
    path(
        "stored/<int:pk>/xlsx/", views.stored_download, name="reports-stored-download"
    ),
]
