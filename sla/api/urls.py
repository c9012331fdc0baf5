from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from . import views

router = SimpleRouter()
router.register("approvals", views.ApprovalViewSet, basename="approval")

urlpatterns = [
    path("work-orders/<id:pk>/urge/", views.OrderUrgeView.as_view(), name="order-urge"),
    path(
        "work-orders/<id:pk>/suspend/",
        views.OrderSuspendView.as_view(),
        name="order-suspend",
    ),
    path(
        "work-orders/<id:pk>/resume/",
        views.OrderResumeView.as_view(),
        name="order-resume",
    ),
    path(
        "work-orders/<id:pk>/reschedule/",
        views.OrderRescheduleView.as_view(),
        name="order-reschedule",
    ),
    *router.urls,
]
