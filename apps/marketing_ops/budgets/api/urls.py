"""Routes of the campaign budget API under /api/v1/."""

from rest_framework.routers import SimpleRouter

from apps.marketing_ops.budgets.api import views

router = SimpleRouter()  # core's router serves the API root
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("spend", views.SpendViewSet, basename="spend")
router.register("budget-envelopes", views.EnvelopeViewSet, basename="budget-envelope")

urlpatterns = router.urls
