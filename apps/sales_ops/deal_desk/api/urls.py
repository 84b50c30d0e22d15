"""Routes of the deal desk API under /api/v1/deal-desk/."""

from rest_framework.routers import DefaultRouter

from apps.sales_ops.deal_desk.api import views as views

router = DefaultRouter()
router.register("requests", views.DealRequestViewSet, basename="deal-request")
router.register("delegations", views.DelegationViewSet, basename="deal-delegation")

urlpatterns = router.urls
