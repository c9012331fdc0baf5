import sys

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from console.views import customer as customer_page
from monitoring.views import healthz_jobs, metrics_view

from . import views
from .health import healthz
from .middleware import database_down, database_unavailable_response

api_v1 = [
    path("", include("compensation.api.urls")),
    path("", include("dispatch.api.urls")),
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
    path("healthz/jobs", healthz_jobs, name="healthz-jobs"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    # the customer's own page (SPEC §14); workorders.models.CUSTOMER_PATH
    path("c/<str:token>/", customer_page.page, name="customer-page"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

admin.site.site_header = gettext_lazy("综调中心 管理后台")
admin.site.site_title = gettext_lazy("综调中心")
admin.site.index_title = gettext_lazy("系统管理")


def _api_or(page_view, status: int, detail):
    """API paths answer JSON (clients parse it); other paths get the page
    (templates/<status>.html, in the site's frame)."""

    def handler(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(detail)}, status=status)
        if exception is None:
            return page_view(request)
        return page_view(request, exception)

    return handler


handler400 = _api_or(defaults.bad_request, 400, gettext_lazy("请求有误。"))
handler403 = _api_or(
    defaults.permission_denied, 403, gettext_lazy("您没有执行该操作的权限。")
)
handler404 = _api_or(defaults.page_not_found, 404, gettext_lazy("未找到。"))
_server_error = _api_or(defaults.server_error, 500, gettext_lazy("服务器内部错误。"))


def handler500(request):
    # A database that fails outside a view (sessions, authentication) ends
    # here: still a 503 with Retry-After rather than "server error".
    if database_down(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return _server_error(request)
