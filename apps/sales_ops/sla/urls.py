"""Portal pages of lead SLAs, under /sales/ (named in the `sales_ops` namespace the app-level urls give)."""

from django.urls import path

from apps.sales_ops.sla import views

urlpatterns = [
    path("leads/", views.my_leads, name="my_leads"),
    path("leads/countdowns/", views.my_leads_countdowns, name="my_leads_countdowns"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:lead_id>/reject/", views.lead_reject, name="lead_reject"),
    path("clocks/<int:clock_id>/pause/", views.clock_pause, name="clock_pause"),
    path("clocks/<int:clock_id>/resume/", views.clock_resume, name="clock_resume"),
    path("team/", views.team, name="team"),
    path("compliance/", views.compliance, name="compliance"),
]
