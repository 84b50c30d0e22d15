"""Deal desk decisions: an approver approves or rejects a step (for themselves or a delegator); a rep recalls."""

from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import User
from apps.core.services.outbox import email_enqueue_many
from apps.sales_ops.deal_desk.models import (
    ApprovalRule,
    DealApprovalStep,
    DealApprover,
    DealDecision,
    DealEvent,
    DealRequest,
)
from apps.sales_ops.deal_desk.selectors import delegators
from apps.sales_ops.deal_desk.services.emails import _round_email, _to_approvers
from apps.sales_ops.deal_desk.services.guards import (
    Kind,
    Outcome,
    Status,
    StepStatus,
    _as_requester,
    _locked,
    _text,
    _undecided_candidates,
)
from apps.sales_ops.deal_desk.services.routing import _advance


@transaction.atomic
def deal_request_decide(
    *, request_id: int, actor: User, outcome: str, comment: str = "", revision: int | None = None
) -> DealDecision:
    """An approver of the active step approves, rejects or asks for changes, for themselves or as a delegate.

    Rejecting and asking for changes need a reason. `revision`, when given, is the revision the approver saw:
    a request resubmitted meanwhile is refused rather than decided unseen.
    """
    if outcome not in Outcome.values:
        raise ApplicationError(f"Unknown decision '{outcome}'.", field="outcome")
    needs_reason = "Say why: rejecting or asking for changes needs a reason."
    comment = _text(comment, "comment", required=needs_reason if outcome != Outcome.APPROVE else "")
    request = _locked(request_id)
    if actor.pk == request.requester_id:
        raise ActionForbidden("Nobody approves their own request.")
    if request.status != Status.SUBMITTED:
        raise ConflictError(f"This request moved on: it is {request.get_status_display().lower()} now.")
    if revision is not None and revision != request.revision:
        raise ConflictError("This request was resubmitted since you opened it; look at it again.")
    step = DealApprovalStep.objects.select_for_update().get(pk=request.active_step_id)
    approvers = list(step.approvers.prefetch_related("candidates"))
    approver = _acting_for(actor, step, approvers)
    now = timezone.now()
    decision = DealDecision.objects.create(
        step=step, approver=approver, decided_by=actor, outcome=outcome, comment=comment, at=now
    )
    on_behalf = approver if approver.pk != actor.pk else None
    DealEvent.objects.create(
        request=request,
        kind={Outcome.APPROVE: Kind.APPROVED, Outcome.REJECT: Kind.REJECTED}.get(outcome, Kind.CHANGES_REQUESTED),
        step=step,
        actor=actor,
        on_behalf_of=on_behalf,
        detail=comment,
        at=now,
    )
    if outcome == Outcome.APPROVE:
        # The rep hears when the round ends (the last step approved: `_advance`), not of each approval.
        _record_approval(request, step, approvers, approver, now=now)
        return decision
    step_status = StepStatus.REJECTED if outcome == Outcome.REJECT else StepStatus.CHANGES_REQUESTED
    _close_route(request, step_status=step_status, active=step, now=now)
    request.status = Status.REJECTED if outcome == Outcome.REJECT else Status.CHANGES_REQUESTED
    request.decided_at = now
    request.save(update_fields=["status", "decided_at", "active_step", "updated_at"])
    by = str(actor) + (f" for {on_behalf}" if on_behalf else "")
    headline = f"{decision.get_outcome_display()} by {by}: {step.name}"
    email_enqueue_many([_round_email(request, request.status, headline, comment=comment)])
    return decision


def _acting_for(actor: User, step: DealApprovalStep, approvers: list[DealApprover]) -> User:
    """Whom `actor` decides for: themselves if they are a candidate, else an approver who delegated to them."""
    candidates = {user.pk: user for approver in approvers for user in approver.candidates.all()}
    decided = set(step.decisions.values_list("approver_id", flat=True))
    mine = [actor.pk] if actor.pk in candidates else []
    mine += [pk for pk in delegators(actor) if pk in candidates and pk != actor.pk]
    if not mine:
        raise ActionForbidden("You are not an approver of this request's current step.")
    for pk in mine:
        if pk not in decided:
            return candidates[pk]
    raise ConflictError("You have already decided on this step.")


def _record_approval(
    request: DealRequest, step: DealApprovalStep, approvers: list[DealApprover], approver: User, *, now
) -> None:
    newly = [a.pk for a in approvers if not a.approved and approver in a.candidates.all()]
    DealApprover.objects.filter(pk__in=newly).update(approved=True)
    approved = [a.approved or a.pk in newly for a in approvers]
    if not (any(approved) if step.mode == ApprovalRule.Mode.ANY else all(approved)):
        return
    step.status, step.completed_at, step.next_check_at = StepStatus.APPROVED, now, None
    step.save(update_fields=["status", "completed_at", "next_check_at"])
    DealEvent.objects.create(request=request, kind=Kind.STEP_APPROVED, step=step, at=now, detail=step.name)
    _advance(request, list(request.steps.filter(revision=request.revision)), now=now)


def _close_route(request: DealRequest, *, step_status: str | None, active: DealApprovalStep | None, now) -> None:
    """End the current revision's route: the active step takes `step_status`, the rest close unfinished."""
    open_steps = request.steps.filter(revision=request.revision, status__in=[StepStatus.WAITING, StepStatus.PENDING])
    if active is not None and step_status:
        open_steps.filter(pk=active.pk).update(status=step_status, completed_at=now, next_check_at=None)
    open_steps.update(status=StepStatus.CLOSED, next_check_at=None)
    request.active_step = None


@transaction.atomic
def deal_request_recall(*, request_id: int, actor: User, reason: str = "") -> DealRequest:
    """The rep takes a request back while it is under review (to change it, or because the deal changed)."""
    request = _locked(request_id)
    _as_requester(request, actor, "recall it")
    if request.status == Status.RECALLED:
        return request
    if request.status != Status.SUBMITTED:
        raise ConflictError(
            f"Only a request under review can be recalled; this one is {request.get_status_display().lower()}."
        )
    now, reason = timezone.now(), _text(reason, "reason")
    # Locked as the announcement locks it: either the approvers were asked before this, or they never will be.
    step = DealApprovalStep.objects.select_for_update().get(pk=request.active_step_id)
    asked = step.next_check_at != step.activated_at  # still due for its announcement: nobody was asked yet
    # Whoever was asked and has not answered yet is told that nothing waits for them any more.
    waiting = _undecided_candidates([step])[step.pk] if asked else []
    emails = _to_approvers(request, step, "recalled", now=now, people=waiting) if waiting else []
    _close_route(request, step_status=None, active=None, now=now)
    request.status = Status.RECALLED
    request.save(update_fields=["status", "active_step", "updated_at"])
    DealEvent.objects.create(request=request, kind=Kind.RECALLED, actor=actor, detail=reason)
    if emails:
        email_enqueue_many(emails)
    return request
