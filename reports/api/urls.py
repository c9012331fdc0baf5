from django.urls import path

from .faults import FaultReportView
from .views import QualityReportView

urlpatterns = [
    path("reports/quality/", QualityReportView.as_view(), name="reports-quality"),
    path("reports/network-faults/", FaultReportView.as_view(), name="reports-faults"),
]
