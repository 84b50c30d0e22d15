"""Portal pages of coverage, under /sales/coverage/ (named in the `sales_ops` namespace)."""

from django.urls import path

from apps.sales_ops.coverage import views

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("coverage/source/", views.coverage_source, name="coverage_source"),
]
