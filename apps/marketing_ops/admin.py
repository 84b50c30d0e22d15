"""The marketing ops workbench: each capability registers its own admin."""

import apps.marketing_ops.budgets.admin  # noqa: F401
import apps.marketing_ops.content.admin  # noqa: F401
