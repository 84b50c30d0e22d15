"""Sales ops: lead SLAs, deal desk, quotas. Imports apps.core, never the other ops app."""

from django.apps import AppConfig


class SalesOpsConfig(AppConfig):
    name = "apps.sales_ops"
    label = "sales_ops"
    capabilities = ("sla", "deal_desk", "coverage")
    verbose_name = "Sales ops: lead SLAs, deal desk, territories and routing, quotas and coverage"

    def ready(self):
        from apps.core.signals import lead_moved

        lead_moved.connect(_start_or_stop_sla_clocks, dispatch_uid="sales_ops.sla_clocks")

    def home_panels(self, user) -> list[tuple[str, dict]]:
        """The home page's panels of sales ops: the rep's own coverage of this quarter."""
        from apps.sales_ops.coverage.views import home_panels

        return home_panels(user)

    def opportunity_panels(self, user, opportunity) -> list[tuple[str, dict]]:
        """The opportunity page's panels of sales ops: the deal desk requests on it."""
        from apps.sales_ops.deal_desk.panels import opportunity_panels

        return opportunity_panels(user, opportunity)

    def nav_counts(self, user) -> dict:
        """The nav's Approvals badge: how many deal requests wait for `user`, one query when a page draws it."""
        from django.utils.functional import SimpleLazyObject

        from apps.sales_ops.deal_desk.selectors import deal_inbox

        return {"approvals_waiting": SimpleLazyObject(lambda: deal_inbox(user=user).count())}

    def seed_demo(self) -> str:
        """Called by `manage.py seed_demo`: SLA policies and clocks; the deal desk matrix, approvers and requests;
        the territory tree with routing rules and members; quotas and a spread of pipeline coverage."""
        from apps.sales_ops.coverage.demo import coverage_demo_seed
        from apps.sales_ops.coverage.demo_routing import routing_demo_seed
        from apps.sales_ops.deal_desk.demo import deal_desk_demo_seed
        from apps.sales_ops.sla.demo import sla_demo_seed

        return f"{sla_demo_seed()}\n{deal_desk_demo_seed()}\n{routing_demo_seed()}\n{coverage_demo_seed()}"


def _start_or_stop_sla_clocks(sender, *, lead, transition, **kwargs):
    from apps.sales_ops.sla.services import sla_on_lead_moved

    sla_on_lead_moved(lead=lead, transition=transition)
