"""Sales ops: lead SLAs, deal desk, quotas. Imports apps.core, never the other ops app."""

from django.apps import AppConfig


class SalesOpsConfig(AppConfig):
    name = "apps.sales_ops"
    label = "sales_ops"
    verbose_name = "Sales ops: lead SLAs, deal desk, quotas"
