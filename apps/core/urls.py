"""Portal pages of core: sign in and out, the home page, the record pages and the lists they link to."""

from django.contrib.auth import views as auth_views
from django.urls import path

from apps.core import live, views
from apps.core.list_views import list_view
from apps.core.record_lists import ACCOUNTS, CONTACTS, LEADS, OPPORTUNITIES

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", list_view(ACCOUNTS), name="account_list"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("contacts/", list_view(CONTACTS), name="contact_list"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("leads/", list_view(LEADS), name="lead_list"),
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="lead_convert"),
    path("opportunities/", list_view(OPPORTUNITIES), name="opportunity_list"),
    path("opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:opportunity_id>/stage/", views.opportunity_stage, name="opportunity_stage"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    path("nav/counts/", live.nav_counts, name="nav_counts"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Where the password-reset e-mail of the user admin leads (sales ops send it; they never set a password).
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
