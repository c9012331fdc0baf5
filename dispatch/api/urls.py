from django.urls import path

from dispatch_center import converters  # noqa: F401 - registers <id:pk>

from . import slot_views, views

#: the CRM's create and contact book appointments into slots (SPEC §14); these
#: two routes come before ``workorders.api.urls`` and answer the same contract
booking = slot_views.WorkOrderBookingViewSet

urlpatterns = [
    path(
        "work-orders/",
        booking.as_view({"get": "list", "post": "create"}),
        name="work-order-list",
    ),
    path(
        "work-orders/<id:pk>/contact/",
        booking.as_view({"post": "contact"}),
        name="work-order-contact",
    ),
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
