from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("approvals", views.ApprovalViewSet, basename="approval")

urlpatterns = [
    path(
        "work-orders/<int:pk>/urge/", views.OrderUrgeView.as_view(), name="order-urge"
    ),
    path(
        "work-orders/<int:pk>/suspend/",
        views.OrderSuspendView.as_view(),
        name="order-suspend",
    ),
    path(
        "work-orders/<int:pk>/resume/",
        views.OrderResumeView.as_view(),
        name="order-resume",
    ),
    path(
        "work-orders/<int:pk>/reschedule/",
        views.OrderRescheduleView.as_view(),
        name="order-reschedule",
    ),
    *router.urls,
]
