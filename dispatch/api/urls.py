from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from . import slot_views, views

#: the work-orders resource (list, read, steps from ``workorders.api``); its
#: create and contact book appointments into slots (SPEC §14)
orders = SimpleRouter()
orders.register(
    "work-orders", slot_views.WorkOrderBookingViewSet, basename="work-order"
)

urlpatterns = [
    *orders.urls,
    path("slots/", slot_views.SlotsView.as_view(), name="slots"),
    path(
        "work-orders/<id:pk>/dispatch/",
        views.OrderDispatchView.as_view(),
        name="order-dispatch",
    ),
    path(
        "work-orders/<id:pk>/candidates/",
        views.OrderCandidatesView.as_view(),
        name="order-candidates",
    ),
    path(
        "work-orders/<id:pk>/request-redispatch/",
        views.OrderRedispatchView.as_view(),
        name="order-request-redispatch",
    ),
    path("dispatch/run/", views.DispatchRunView.as_view(), name="dispatch-run"),
    path(
        "areas/<str:code>/auto-dispatch/",
        views.AreaAutoDispatchView.as_view(),
        name="area-auto-dispatch",
    ),
    path(
        "technicians/position/",
        views.PositionView.as_view(),
        name="technician-position",
    ),
    path("rota/", views.RotaView.as_view(), name="rota"),
    path("rota/generate/", views.RotaGenerateView.as_view(), name="rota-generate"),
    path("rota/entries/", views.RotaEntryView.as_view(), name="rota-entry"),
]
