"""Portal pages of coverage, under /sales/coverage/, and marketing's hand-off page under /sales/handoff/ (named in
the `sales_ops` namespace)."""

from django.urls import path

from apps.sales_ops.coverage import views, views_handoff

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("coverage/source/", views.coverage_source, name="coverage_source"),
    path("handoff/", views_handoff.handoff, name="handoff"),
    path("handoff/preview/", views_handoff.handoff_preview, name="handoff_preview"),
    path("handoff/route/<int:lead_id>/", views_handoff.handoff_route, name="handoff_route"),
]
