"""The ops workbench of sales ops: each capability registers its own models (Django's autodiscover imports this
module, which imports theirs)."""

from apps.sales_ops.coverage import admin as coverage_admin
from apps.sales_ops.deal_desk import admin as deal_desk_admin
from apps.sales_ops.sla import admin as sla_admin

__all__ = ["coverage_admin", "deal_desk_admin", "sla_admin"]
