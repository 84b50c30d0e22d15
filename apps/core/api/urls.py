"""Routes of the core API under /api/v1/."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from apps.core.api import views

router = DefaultRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("leads", views.LeadViewSet, basename="lead")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")

urlpatterns = [path("auth/token/", obtain_auth_token, name="api-token"), *router.urls]
