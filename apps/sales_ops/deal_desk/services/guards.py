"""What every deal desk write shares: the row lock, the requester guard, the editable fields and text limits,
the requester's working-time schedule, and who has not decided yet."""

from collections import defaultdict

from apps.core import business_time, files
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Opportunity, User
from apps.core.models.customers import CLOSED_STAGES
from apps.core.selectors import calendar_schedules
from apps.core.services.records import text_within
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    DealApprovalStep,
    DealApprover,
    DealDecision,
    DealEvent,
    DealFlag,
    DealRequest,
)

Status = DealRequest.Status
StepStatus = DealApprovalStep.Status
Outcome = DealDecision.Outcome
Kind = DealEvent.Kind

# What a rep may set on a request; everything else is the workflow's.
EDITABLE_FIELDS = (
    "list_amount",
    "net_amount",
    "currency",
    "term_months",
    "payment_terms",
    "custom_payment_terms",
    "billing_frequency",
    *DealFlag.values,
    "justification",
)

# Quotes, redlines, screenshots: checked by content, at most UPLOAD_MAX_MB.
ATTACHMENT_KINDS = files.DOCUMENTS

# Free-text limits: each the model field's own max_length, so that forms, serializers and these services,
# which all read them from here, agree with the column. Past its limit a text is refused, never cut.
JUSTIFICATION_MAX = DealRequest._meta.get_field("justification").max_length
CUSTOM_PAYMENT_TERMS_MAX = DealRequest._meta.get_field("custom_payment_terms").max_length
COMMENT_MAX = DealDecision._meta.get_field("comment").max_length
RECALL_REASON_MAX = DealEvent._meta.get_field("detail").max_length
DELEGATION_NOTE_MAX = ApprovalDelegation._meta.get_field("note").max_length

# How each is named in an error, beside its limit.
TEXT_LIMITS = {
    "justification": ("The justification", JUSTIFICATION_MAX),
    "custom_payment_terms": ("The custom payment terms", CUSTOM_PAYMENT_TERMS_MAX),
    "comment": ("A comment", COMMENT_MAX),
    "reason": ("The reason", RECALL_REASON_MAX),
    "note": ("The note", DELEGATION_NOTE_MAX),
}


def _text(value, field: str, *, required: str = "") -> str:
    label, limit = TEXT_LIMITS[field]
    return text_within(value, field=field, limit=limit, label=label, required=required)


def _texts(data: dict) -> dict:
    """`data` with its free-text fields checked against their limits (the model would not refuse a long text)."""
    return {
        name: _text(value, name) if name in ("justification", "custom_payment_terms") else value
        for name, value in data.items()
    }


def _check_opportunity(opportunity: Opportunity, requester: User) -> None:
    if opportunity.owner_id != requester.pk:
        raise ApplicationError("This is not one of your opportunities.", field="opportunity")
    if opportunity.stage in CLOSED_STAGES:
        raise ApplicationError("This opportunity is closed; a request needs an open deal.", field="opportunity")


def _locked(request_id: int) -> DealRequest:
    try:
        return (
            DealRequest.objects.select_for_update(of=("self",))
            .select_related("opportunity__account", "requester__manager__manager", "requester__territory__calendar")
            .get(pk=request_id)
        )
    except DealRequest.DoesNotExist:
        raise ApplicationError("No such deal request.", code="not_found") from None


def _as_requester(request: DealRequest, actor: User, doing: str) -> None:
    if actor.pk != request.requester_id:
        raise ActionForbidden(f"Only the rep who opened the request may {doing}.")


def _schedule(request: DealRequest) -> business_time.Schedule:
    territory = request.requester.territory
    calendar_id = territory.calendar_id if territory is not None else None
    return calendar_schedules({calendar_id})[calendar_id]


def _undecided_candidates(steps: list[DealApprovalStep]) -> dict[int, list[User]]:
    """Per step, the candidates who have not decided yet, with their managers (two queries for the batch)."""
    decided = set(DealDecision.objects.filter(step__in=steps).values_list("step_id", "approver_id"))
    links = DealApprover.candidates.through.objects.filter(dealapprover__step__in=steps).select_related(
        "user__manager", "dealapprover"
    )
    waiting = defaultdict(dict)
    for link in links:
        step_id = link.dealapprover.step_id
        if (step_id, link.user_id) not in decided:
            waiting[step_id][link.user_id] = link.user
    return defaultdict(list, {step_id: list(people.values()) for step_id, people in waiting.items()})
