"""Routes of the SLA API under /api/v1/sla/."""

urlpatterns = []
