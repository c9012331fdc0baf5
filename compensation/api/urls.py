from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from .views import ClaimViewSet, OrderCompleteView

router = SimpleRouter()
router.register("compensations", ClaimViewSet, basename="claim")
urlpatterns = [
    path(
        "work-orders/<id:pk>/complete/",
        OrderCompleteView.as_view(),
        name="order-complete",
    ),
    *router.urls,
]
