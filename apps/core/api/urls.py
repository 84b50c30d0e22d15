"""Routes of the core API under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.core.api import auth, views

router = DefaultRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("leads", views.LeadViewSet, basename="lead")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("auth/tokens", auth.TokenViewSet, basename="auth-token")

urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="api-logout"),
    *router.urls,
]
