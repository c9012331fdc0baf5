from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from .views import CallbacksDueView, ComplaintViewSet, OrderCallbackView, PenaltyViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("penalties", PenaltyViewSet, basename="penalty")
urlpatterns = [
    path(
        "work-orders/<id:pk>/callback/",
        OrderCallbackView.as_view(),
        name="order-callback",
    ),
    path("callbacks/due/", CallbacksDueView.as_view(), name="callbacks-due"),
    *router.urls,
]
