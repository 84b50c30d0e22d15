"""Routes of the SLA API under /api/v1/sla/."""

from rest_framework.routers import DefaultRouter

from apps.sales_ops.sla.api import views

router = DefaultRouter()
router.register("clocks", views.SlaClockViewSet, basename="sla-clock")
router.register("policies", views.SlaPolicyViewSet, basename="sla-policy")

urlpatterns = router.urls
