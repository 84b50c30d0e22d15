"""Sales ops data: lead hand-off SLAs, and the deal desk."""

from apps.sales_ops.models.sla import (
    GOVERNED_STAGES,
    SlaClock,
    SlaDigestSubscription,
    SlaEscalation,
    SlaEvent,
    SlaNotice,
    SlaPolicy,
)

__all__ = [
    "GOVERNED_STAGES",
    "SlaClock",
    "SlaDigestSubscription",
    "SlaEscalation",
    "SlaEvent",
    "SlaNotice",
    "SlaPolicy",
]
