"""Routes of the content library API under /api/v1/content/."""

from rest_framework.routers import SimpleRouter

from apps.marketing_ops.content.api import views

router = SimpleRouter()  # core's router serves the API root
router.register("assets", views.AssetViewSet, basename="content-asset")
router.register("shares", views.ShareViewSet, basename="content-share")
router.register("tags", views.TagViewSet, basename="content-tag")

urlpatterns = router.urls
