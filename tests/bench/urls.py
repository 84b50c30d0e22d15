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
    path("bench/default/", include(router.urls)),
    *site_urls.urlpatterns,
]
