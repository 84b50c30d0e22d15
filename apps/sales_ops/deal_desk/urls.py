"""Portal pages of the deal desk, under /sales/deals/ (named in the `sales_ops` namespace the app-level urls give)."""

from django.urls import path

from apps.core.list_views import list_view
from apps.sales_ops.deal_desk import views
from apps.sales_ops.deal_desk.lists import DEAL_REQUESTS

urlpatterns = [
    path("deals/", list_view(DEAL_REQUESTS), name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/preview/", views.deal_preview, name="deal_preview"),
    path("deals/inbox/", views.deal_inbox, name="deal_inbox"),
    path("deals/reports/", views.deal_reports, name="deal_reports"),
    path("deals/delegations/", views.deal_delegations, name="deal_delegations"),
    path("deals/delegations/<int:delegation_id>/end/", views.deal_delegation_end, name="deal_delegation_end"),
    # The approve/reject link of an approver's e-mail: a confirmation page (GET) and the decision (POST).
    path("deals/email/<str:token>/", views.deal_email_decide, name="deal_email_decide"),
    path("deals/<int:request_id>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:request_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:request_id>/submit/", views.deal_submit, name="deal_submit"),
    path("deals/<int:request_id>/resubmit/", views.deal_resubmit, name="deal_resubmit"),
    path("deals/<int:request_id>/recall/", views.deal_recall, name="deal_recall"),
    path("deals/<int:request_id>/decide/", views.deal_decide, name="deal_decide"),
    path("deals/<int:request_id>/attachments/", views.deal_attach, name="deal_attach"),
    path("deals/attachments/<int:attachment_id>/", views.deal_attachment, name="deal_attachment"),
]
