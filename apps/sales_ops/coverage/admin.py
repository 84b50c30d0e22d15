"""The ops workbench of coverage: each part registers its own models."""

from apps.sales_ops.coverage import admin_territories

__all__ = ["admin_territories"]
