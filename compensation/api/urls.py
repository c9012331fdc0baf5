from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ClaimViewSet, OrderCompleteView

router = SimpleRouter()
router.register("compensations", ClaimViewSet, basename="claim")
urlpatterns = [
    path(
        "work-orders/<int:pk>/complete/",
        OrderCompleteView.as_view(),
        name="order-complete",
    ),
    *router.urls,
]
