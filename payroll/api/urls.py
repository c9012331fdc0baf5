from rest_framework.routers import SimpleRouter

from .views import AdjustmentViewSet, MyLineViewSet, RunViewSet

router = SimpleRouter()
router.register("payroll/runs", RunViewSet, basename="payroll-run")
router.register("payroll/my-lines", MyLineViewSet, basename="payroll-my-line")
router.register("payroll/adjustments", AdjustmentViewSet, basename="payroll-adjustment")
urlpatterns = router.urls
