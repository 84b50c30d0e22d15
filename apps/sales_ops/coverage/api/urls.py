"""Routes of the territory, quota and coverage API under /api/v1/."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from apps.core.api.views import ID_PATTERN
from apps.sales_ops.coverage.api import coverage, quotas, territories

router = SimpleRouter()  # core's router serves the API root
router.register("quotas", quotas.QuotaViewSet, basename="quota")
router.register("territories", territories.TerritoryViewSet, basename="territory")
router.register("territory-rules", territories.TerritoryRuleViewSet, basename="territory-rule")
router.register("territory-members", territories.TerritoryMemberViewSet, basename="territory-member")

urlpatterns = [
    path("coverage/", coverage.CoverageApi.as_view(), name="coverage"),
    re_path(
        rf"^leads/(?P<id>{ID_PATTERN})/route-preview/$",
        territories.LeadRoutePreviewApi.as_view(),
        name="lead-route-preview",
    ),
    *router.urls,
]
