"""The bench's URLconf: the baselines first (so they resolve fastest), then every route of the real site."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from smops import urls as site_urls
from tests.bench import baselines

FLOOR_URL = "/bench/floor/leads/"
DEFAULT_URL = "/bench/default/leads/"
OURS_URL = "/api/v1/leads/"

router = SimpleRouter()
router.register("leads", baselines.DefaultLeadViewSet, basename="bench-default-lead")

urlpatterns = [
    path("bench/floor/leads/", baselines.floor_lead_list, name="bench-floor-leads"),
    path("bench/floor/my-leads/", baselines.floor_my_leads, name="bench-floor-my-leads"),
    path("bench/floor/lead-search/", baselines.floor_lead_search, name="bench-floor-lead-search"),
    path("bench/floor/deals/", baselines.floor_deals, name="bench-floor-deals"),
    path("bench/floor/campaigns/", baselines.floor_campaigns, name="bench-floor-campaigns"),
    path("bench/floor/content-search/", baselines.floor_content_search, name="bench-floor-content-search"),
    path("bench/default/", include(router.urls)),
    *site_urls.urlpatterns,
]
