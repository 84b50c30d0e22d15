"""Portal pages of the content library, under /marketing/content/ (in the `marketing_ops` namespace)."""

from django.urls import path

from apps.marketing_ops.content import views

urlpatterns = [
    path("content/", views.content_library, name="content_library"),
    path("content/new/", views.content_create, name="content_create"),
    path("content/review/", views.content_review_queue, name="content_review_queue"),
    path("content/reports/", views.content_reports, name="content_reports"),
    path("content/<int:asset_id>/", views.content_asset, name="content_asset"),
    path("content/<int:asset_id>/thumbnail/", views.content_thumbnail, name="content_thumbnail"),
    path("content/<int:asset_id>/preview/", views.content_preview, name="content_preview"),
    path("content/<int:asset_id>/download/", views.content_download, name="content_download"),
    path("content/<int:asset_id>/share/", views.content_share, name="content_share"),
    path("content/<int:asset_id>/versions/", views.content_upload, name="content_upload"),
    path("content/<int:asset_id>/submit/", views.content_submit, name="content_submit"),
    path("content/<int:asset_id>/decide/", views.content_decide, name="content_decide"),
    path("content/<int:asset_id>/archive/", views.content_archive, name="content_archive"),
    path("content/<int:asset_id>/reopen/", views.content_reopen, name="content_reopen"),
]
