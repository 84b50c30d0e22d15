"""Deal desk writes: drafts, routing through the approval matrix, decisions, recalls, delegations, reminders and expiry.

Every transition locks the request row first, so decisions, recalls and resubmissions on one request run one
after the other; a move made against a state that has gone is refused with a ConflictError (409).

In layers: `guards` (locks, guards, limits) beneath `emails`, then `drafts`, `routing`, `decisions`,
`delegations` and `scan`, and `links` (deciding from the e-mail) above `decisions`; no two modules import each
other.
"""

from apps.sales_ops.deal_desk.services.decisions import deal_request_decide, deal_request_recall
from apps.sales_ops.deal_desk.services.delegations import deal_delegation_create, deal_delegation_end
from apps.sales_ops.deal_desk.services.drafts import deal_attachment_add, deal_request_create, deal_request_update
from apps.sales_ops.deal_desk.services.guards import (
    ATTACHMENT_KINDS,
    COMMENT_MAX,
    CUSTOM_PAYMENT_TERMS_MAX,
    DELEGATION_NOTE_MAX,
    EDITABLE_FIELDS,
    JUSTIFICATION_MAX,
    RECALL_REASON_MAX,
    TEXT_LIMITS,
    Kind,
    Outcome,
    Status,
    StepStatus,
)
from apps.sales_ops.deal_desk.services.links import LinkGone, deal_link_check, deal_link_decide
from apps.sales_ops.deal_desk.services.routing import (
    PlannedApprover,
    PlannedStep,
    deal_request_resubmit,
    deal_request_submit,
    deal_route_plan,
    deal_route_preview,
)
from apps.sales_ops.deal_desk.services.scan import deal_desk_scan, deal_step_announce

__all__ = [
    "Status",
    "StepStatus",
    "Outcome",
    "Kind",
    "EDITABLE_FIELDS",
    "ATTACHMENT_KINDS",
    "JUSTIFICATION_MAX",
    "CUSTOM_PAYMENT_TERMS_MAX",
    "COMMENT_MAX",
    "RECALL_REASON_MAX",
    "DELEGATION_NOTE_MAX",
    "TEXT_LIMITS",
    "deal_request_create",
    "deal_request_update",
    "deal_attachment_add",
    "PlannedApprover",
    "PlannedStep",
    "deal_route_plan",
    "deal_route_preview",
    "deal_request_submit",
    "deal_request_resubmit",
    "deal_request_decide",
    "deal_request_recall",
    "deal_delegation_create",
    "deal_delegation_end",
    "deal_desk_scan",
    "deal_step_announce",
    "LinkGone",
    "deal_link_check",
    "deal_link_decide",
]
