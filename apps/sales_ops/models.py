"""Sales ops data: lead hand-off SLAs, the deal desk, and coverage (territories' routing)."""

from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule
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
    "RoutingDecision",
    "TerritoryMember",
    "TerritoryRouting",
    "TerritoryRule",
    "GOVERNED_STAGES",
    "SlaClock",
    "SlaDigestSubscription",
    "SlaEscalation",
    "SlaEvent",
    "SlaNotice",
    "SlaPolicy",
]
