"""Portal pages of marketing ops, under /marketing/: one include per capability."""

from django.urls import include, path

app_name = "marketing_ops"
urlpatterns = [
    path("", include("apps.marketing_ops.budgets.urls")),
    path("", include("apps.marketing_ops.content.urls")),
]
