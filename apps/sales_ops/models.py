"""Sales ops data: lead hand-off SLAs, and the deal desk."""

from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    ApprovalRule,
    BillingFrequency,
    DealApprovalStep,
    DealApprover,
    DealAttachment,
    DealDecision,
    DealEvent,
    DealFlag,
    DealRequest,
    PaymentTerms,
    RuleApprover,
)
from apps.sales_ops.sla.models import (
    GOVERNED_STAGES,
    SlaClock,
    SlaDigestSubscription,
    SlaEscalation,
    SlaEvent,
    SlaNotice,
    SlaPolicy,
)

__all__ = [
    "ApprovalDelegation",
    "ApprovalRule",
    "BillingFrequency",
    "DealApprovalStep",
    "DealApprover",
    "DealAttachment",
    "DealDecision",
    "DealEvent",
    "DealFlag",
    "DealRequest",
    "PaymentTerms",
    "RuleApprover",
    "GOVERNED_STAGES",
    "SlaClock",
    "SlaDigestSubscription",
    "SlaEscalation",
    "SlaEvent",
    "SlaNotice",
    "SlaPolicy",
]
