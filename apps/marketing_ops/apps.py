"""Marketing ops: campaigns, budgets, content. Imports apps.core, never the other ops app."""

from django.apps import AppConfig
from django.core import checks


class MarketingOpsConfig(AppConfig):
    name = "apps.marketing_ops"
    label = "marketing_ops"
    verbose_name = "Marketing ops: campaign budgets"

    def ready(self):
        checks.register(_company_currency_check)

    def seed_demo(self) -> str:
        """Called by `manage.py seed_demo`: teams, envelopes, campaigns with spend, touches and rates."""
        from apps.marketing_ops.demo import budget_demo_seed

        return budget_demo_seed()


def _company_currency_check(app_configs, **kwargs):
    from django.conf import settings

    from apps.core.currencies import ISO_4217

    if settings.COMPANY_CURRENCY not in ISO_4217:
        return [
            checks.Error(f"COMPANY_CURRENCY '{settings.COMPANY_CURRENCY}' is not an ISO 4217 code.", id="smops.E501")
        ]
    return []
