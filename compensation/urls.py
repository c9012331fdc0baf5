from django.urls import path

from . import views

urlpatterns = [
    path("paid/", views.paid_list_page, name="compensation-paid-list"),
    path("audit/", views.audit_page, name="compensation-audit"),
]
