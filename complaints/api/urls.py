from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CallbacksDueView, ComplaintViewSet, OrderCallbackView, PenaltyViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("penalties", PenaltyViewSet, basename="penalty")
urlpatterns = [
    path(
        "work-orders/<int:pk>/callback/",
        OrderCallbackView.as_view(),
        name="order-callback",
    ),
    path("callbacks/due/", CallbacksDueView.as_view(), name="callbacks-due"),
    *router.urls,
]
