"""Marketing ops: campaigns, budgets, content. Imports apps.core, never the other ops app."""

from django.apps import AppConfig


class MarketingOpsConfig(AppConfig):
    name = "apps.marketing_ops"
    label = "marketing_ops"
    verbose_name = "Marketing ops: campaigns, budgets, content"
