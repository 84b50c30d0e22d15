"""Sales ops data: lead hand-off SLAs, the deal desk, quotas and pipeline coverage."""

from apps.sales_ops.coverage.models import CoverageSnapshot, CoverageSnapshotLine, CoverageStatus, Quota, TeamQuota
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
    "CoverageSnapshot",
    "CoverageSnapshotLine",
    "CoverageStatus",
    "Quota",
    "TeamQuota",
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
