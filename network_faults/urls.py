from django.urls import path

from . import views

urlpatterns = [
    path("panel/", views.panel, name="faults-panel"),
    path("hotline/", views.hotline_banner, name="faults-hotline-banner"),
    path("<int:pk>/", views.fault_page, name="fault-page"),
    path("orders/<int:pk>/reopen/", views.order_reopen, name="fault-order-reopen"),
    path("<int:pk>/intercept/", views.intercept, name="fault-intercept"),
    path("<int:pk>/<str:action>/", views.fault_action, name="fault-action"),
]
