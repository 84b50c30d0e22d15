"""Portal pages of marketing ops, under /marketing/."""

from django.urls import path

from apps.core.list_views import list_view
from apps.marketing_ops.budgets import views
from apps.marketing_ops.budgets.lists import CAMPAIGNS

urlpatterns = [
    path("budget/", views.budget_page, name="budget"),
    path("budget/export.csv", views.budget_csv, name="budget_csv"),
    path("roi/", views.roi_page, name="roi"),
    path("campaigns/", list_view(CAMPAIGNS), name="campaign_list"),
]
