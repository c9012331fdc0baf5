from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views
from .health import healthz

api_v1 = [
    path("", include("compensation.api.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("workorders.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("network_faults.api.urls")),
    path("", include("payroll.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("compensation/", include("compensation.urls")),
    path("console/faults/", include("network_faults.urls")),
    path("console/", include("console.urls")),
    path("reports/", include("reports.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

admin.site.site_header = "综调中心 管理后台"
admin.site.site_title = "综调中心"
admin.site.index_title = "系统管理"


def _api_or(page_view, status: int, detail: str):
    """API paths answer JSON (clients parse it); other paths get the page."""

    def handler(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        if exception is None:
            return page_view(request)
        return page_view(request, exception)

    return handler


handler400 = _api_or(defaults.bad_request, 400, "Bad request.")
handler403 = _api_or(defaults.permission_denied, 403, "Not allowed.")
handler404 = _api_or(defaults.page_not_found, 404, "Not found.")
handler500 = _api_or(defaults.server_error, 500, "Server error.")
