from django.urls import path

from .views import desk, dispatcher, hotline, order, technician

urlpatterns = [
    path("dispatch/", dispatcher.desk, name="console-dispatcher"),
    path("dispatch/queue/", dispatcher.queue_partial, name="console-dispatch-queue"),
    path("dispatch/side/", dispatcher.side_partial, name="console-dispatch-side"),
    path(
        "dispatch/technicians/",
        desk.technicians_partial,
        name="console-dispatch-technicians",
    ),
    path("dispatch/map/", desk.map_data, name="console-dispatch-map"),
    path("dispatch/counts/", desk.counts, name="console-dispatch-counts"),
    path(
        "dispatch/orders/<int:pk>/candidates/",
        dispatcher.candidates,
        name="console-dispatch-candidates",
    ),
    path(
        "dispatch/orders/<int:pk>/dispatch/",
        dispatcher.dispatch_order,
        name="console-dispatch-assign",
    ),
    path(
        "dispatch/approvals/<int:pk>/<str:decision>/",
        dispatcher.approval_decide,
        name="console-approval-decide",
    ),
    path("dispatch/rota/", dispatcher.rota_generate, name="console-rota-generate"),
    path("dispatch/run/", dispatcher.auto_dispatch, name="console-auto-dispatch"),
    path("hotline/", hotline.desk, name="console-hotline"),
    path("hotline/repair/", hotline.repair, name="console-hotline-repair"),
    path("hotline/complaint/", hotline.complaint, name="console-hotline-complaint"),
    path("hotline/orders/<int:pk>/urge/", hotline.urge, name="console-hotline-urge"),
    path(
        "hotline/orders/<int:pk>/callback/",
        hotline.callback,
        name="console-hotline-callback",
    ),
    path("tech/", technician.home, name="console-technician"),
    path("tech/position/", technician.position, name="console-tech-position"),
    path(
        "tech/orders/<int:pk>/<str:action>/",
        technician.step,
        name="console-tech-action",
    ),
    path("orders/<int:pk>/", order.order_detail, name="console-order"),
]
