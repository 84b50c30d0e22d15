"""Portal pages of marketing ops, under /marketing/."""

from django.urls import path

from apps.marketing_ops.budgets import views

urlpatterns = [
    path("budget/", views.budget_page, name="budget"),
    path("budget/export.csv", views.budget_csv, name="budget_csv"),
    path("roi/", views.roi_page, name="roi"),
]
