from django.urls import path

from .views import (
    complaints,
    desk,
    dispatcher,
    home,
    hotline,
    order,
    payroll,
    technician,
)

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
    # the desks of issue 14: complaints, payroll, each role's home
    path("complaints/", complaints.desk, name="console-complaints"),
    path(
        "complaints/analysis/",
        complaints.analysis,
        name="console-complaint-analysis",
    ),
    path("complaints/<int:pk>/", complaints.detail, name="console-complaint"),
    path(
        "complaints/<int:pk>/<str:action>/",
        complaints.act,
        name="console-complaint-action",
    ),
    path(
        "complaints/penalties/<int:pk>/publish/",
        complaints.penalty_publish,
        name="console-penalty-publish",
    ),
    path("payroll/", payroll.runs, name="console-payroll"),
    path("payroll/compute/", payroll.compute, name="console-payroll-compute"),
    path("payroll/runs/<int:pk>/", payroll.run_detail, name="console-payroll-run"),
    path(
        "payroll/runs/<int:pk>/lines/<int:line_id>/",
        payroll.line_items,
        name="console-payroll-line",
    ),
    path(
        "payroll/runs/<int:pk>/do/<str:action>/",
        payroll.run_action,
        name="console-payroll-action",
    ),
    path("payroll/runs/<int:pk>/diff/", payroll.diff, name="console-payroll-diff"),
    path(
        "payroll/runs/<int:pk>/export/",
        payroll.export,
        name="console-payroll-export",
    ),
    path("home/", home.home, name="console-home"),
]
