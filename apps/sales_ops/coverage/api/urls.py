"""Routes of the territory, quota and coverage API under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.sales_ops.coverage.api import coverage, quotas

router = SimpleRouter()  # core's router serves the API root
router.register("quotas", quotas.QuotaViewSet, basename="quota")

urlpatterns = [
    path("coverage/", coverage.CoverageApi.as_view(), name="coverage"),
    *router.urls,
]
