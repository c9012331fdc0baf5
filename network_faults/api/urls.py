from rest_framework.routers import SimpleRouter

from .views import NetworkFaultViewSet

router = SimpleRouter()
router.register("network-faults", NetworkFaultViewSet, basename="network-fault")
urlpatterns = router.urls
