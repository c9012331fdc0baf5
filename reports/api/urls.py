from django.urls import path

from .views import QualityReportView

urlpatterns = [
    path("reports/quality/", QualityReportView.as_view(), name="reports-quality"),
]
