"""Marketing ops: campaigns, budgets, content. Imports apps.core, never the other ops app."""

from django.apps import AppConfig


class MarketingOpsConfig(AppConfig):
    name = "apps.marketing_ops"
    label = "marketing_ops"
    capabilities = ("budgets", "content")
    verbose_name = "Marketing ops: campaign budgets and the content library"

    def seed_demo(self) -> str:
        """Called by `manage.py seed_demo`: teams, envelopes, campaigns with spend, touches and rates; the content
        library with its files, previews, reviews and usage."""
        from apps.marketing_ops.budgets.demo import budget_demo_seed
        from apps.marketing_ops.content.demo import content_demo_seed

        return f"{budget_demo_seed()}\n{content_demo_seed()}"

    def contact_panels(self, user, contact) -> list[tuple[str, dict]]:
        """The contact page's campaign touches (apps/core/panels.py)."""
        from apps.marketing_ops.budgets.panels import contact_touches_panel

        return [contact_touches_panel(contact=contact)]

    def opportunity_panels(self, user, opportunity) -> list[tuple[str, dict]]:
        """The opportunity page's shared content (apps/core/panels.py)."""
        from apps.marketing_ops.content.panels import opportunity_shares_panel

        return [opportunity_shares_panel(user=user, opportunity=opportunity)]
