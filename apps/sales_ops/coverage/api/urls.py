"""Routes of the coverage API under /api/v1/: territories and their routing (quotas and coverage beside them)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.core.api.views import ID_PATTERN
from apps.sales_ops.coverage.api import territories

router = SimpleRouter()
router.register("territories", territories.TerritoryViewSet, basename="territory")
router.register("territory-rules", territories.TerritoryRuleViewSet, basename="territory-rule")
router.register("territory-members", territories.TerritoryMemberViewSet, basename="territory-member")

urlpatterns = [
    re_path(
        rf"^leads/(?P<id>{ID_PATTERN})/route-preview/$",
        territories.LeadRoutePreviewApi.as_view(),
        name="lead-route-preview",
    ),
    *router.urls,
]
