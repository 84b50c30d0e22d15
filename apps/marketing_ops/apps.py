"""Marketing ops: campaigns, budgets, content. Imports apps.core, never the other ops app."""

from django.apps import AppConfig


class MarketingOpsConfig(AppConfig):
    name = "apps.marketing_ops"
    label = "marketing_ops"
    capabilities = ("budgets", "content")
    verbose_name = "Marketing ops: campaign budgets and the content library"

    def seed_demo(self) -> str:
        """Called by `manage.py seed_demo`: teams, envelopes, campaigns with spend, touches and rates."""
        from apps.marketing_ops.budgets.demo import budget_demo_seed

        return budget_demo_seed()
