from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from .views import NetworkFaultViewSet, OrderReopenView

router = SimpleRouter()
router.register("network-faults", NetworkFaultViewSet, basename="network-fault")
urlpatterns = [
    path(
        "work-orders/<id:pk>/reopen/",
        OrderReopenView.as_view(),
        name="work-order-reopen",
    ),
    *router.urls,
]
