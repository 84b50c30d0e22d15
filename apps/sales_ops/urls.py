"""Portal pages of sales ops, under /sales/: each capability's pages, named `sales_ops:...`."""

from django.urls import include, path

app_name = "sales_ops"
urlpatterns = [
    path("", include("apps.sales_ops.sla.urls")),
    path("", include("apps.sales_ops.deal_desk.urls")),
    path("", include("apps.sales_ops.coverage.urls")),
]
