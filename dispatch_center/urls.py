from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views
from .health import healthz

api_v1 = [
    path("", include("compensation.api.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("workorders.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("complaints.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("compensation/", include("compensation.urls")),
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


def _not_found(request, exception=None):
    """JSON 404 for API paths (clients parse it); the normal page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


handler404 = _not_found
