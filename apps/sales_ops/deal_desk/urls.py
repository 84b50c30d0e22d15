"""Portal pages of sales ops, under /sales/: lead SLAs and the deal desk."""

from django.urls import path

from apps.sales_ops.deal_desk import views as deal_desk
from apps.sales_ops.sla import views as views

app_name = "sales_ops"
urlpatterns = [
    path("leads/", views.my_leads, name="my_leads"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:lead_id>/reject/", views.lead_reject, name="lead_reject"),
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="lead_convert"),
    path("clocks/<int:clock_id>/pause/", views.clock_pause, name="clock_pause"),
    path("clocks/<int:clock_id>/resume/", views.clock_resume, name="clock_resume"),
    path("team/", views.team, name="team"),
    path("compliance/", views.compliance, name="compliance"),
    path("deals/", deal_desk.deal_list, name="deal_list"),
    path("deals/new/", deal_desk.deal_create, name="deal_create"),
    path("deals/preview/", deal_desk.deal_preview, name="deal_preview"),
    path("deals/inbox/", deal_desk.deal_inbox, name="deal_inbox"),
    path("deals/reports/", deal_desk.deal_reports, name="deal_reports"),
    path("deals/delegations/", deal_desk.deal_delegations, name="deal_delegations"),
    path("deals/delegations/<int:delegation_id>/end/", deal_desk.deal_delegation_end, name="deal_delegation_end"),
    path("deals/<int:request_id>/", deal_desk.deal_detail, name="deal_detail"),
    path("deals/<int:request_id>/edit/", deal_desk.deal_edit, name="deal_edit"),
    path("deals/<int:request_id>/submit/", deal_desk.deal_submit, name="deal_submit"),
    path("deals/<int:request_id>/resubmit/", deal_desk.deal_resubmit, name="deal_resubmit"),
    path("deals/<int:request_id>/recall/", deal_desk.deal_recall, name="deal_recall"),
    path("deals/<int:request_id>/decide/", deal_desk.deal_decide, name="deal_decide"),
    path("deals/<int:request_id>/attachments/", deal_desk.deal_attach, name="deal_attach"),
    path("deals/attachments/<int:attachment_id>/", deal_desk.deal_attachment, name="deal_attachment"),
]
