"""Deal desk writes: drafts, routing through the approval matrix, decisions, recalls, reminders and expiry.

Every transition locks the request row first, so decisions, recalls and resubmissions on one request run one
after the other; a move made against a state that has gone is refused with a ConflictError (409).
"""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import business_time, exchange_rates, files
from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import Opportunity, User
from apps.core.models.customers import CLOSED_STAGES
from apps.core.services.batches import in_locked_batches
from apps.core.services.outbox import OutgoingEmail, email_enqueue_many
from apps.core.services.records import apply_changes, as_application_error, text_within
from apps.sales_ops.deal_desk.selectors import delegators
from apps.sales_ops.models import (
    ApprovalDelegation,
    ApprovalRule,
    DealApprovalStep,
    DealApprover,
    DealAttachment,
    DealDecision,
    DealEvent,
    DealFlag,
    DealRequest,
    RuleApprover,
)
from apps.sales_ops.sla.selectors import calendar_schedules

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


# --- drafts ---------------------------------------------------------------------------------------------------


def _check_opportunity(opportunity: Opportunity, requester: User) -> None:
    if opportunity.owner_id != requester.pk:
        raise ApplicationError("This is not one of your opportunities.", field="opportunity")
    if opportunity.stage in CLOSED_STAGES:
        raise ApplicationError("This opportunity is closed; a request needs an open deal.", field="opportunity")


def _unsaved_request(*, requester: User, opportunity: Opportunity, data: dict) -> DealRequest:
    """A request built from `data` and fully validated, not saved (for a draft, and for the preview)."""
    _check_opportunity(opportunity, requester)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    data = _texts(data)
    request = DealRequest(opportunity=opportunity, requester=requester, **data)
    if not request.currency:
        request.currency = opportunity.currency
    try:
        request.full_clean()
    except ValidationError as error:
        raise as_application_error(error) from error
    return request


@transaction.atomic
def deal_request_create(*, requester: User, opportunity: Opportunity, data: dict) -> DealRequest:
    """A draft request on one of the requester's open opportunities."""
    request = _unsaved_request(requester=requester, opportunity=opportunity, data=data)
    request.save()
    DealEvent.objects.create(request=request, kind=Kind.CREATED, actor=requester, at=request.created_at)
    return request


def _locked(request_id: int) -> DealRequest:
    try:
        return (
            DealRequest.objects.select_for_update(of=("self",))
            .select_related("opportunity__account", "requester__manager__manager", "requester__territory")
            .get(pk=request_id)
        )
    except DealRequest.DoesNotExist:
        raise ApplicationError("No such deal request.", code="not_found") from None


def _as_requester(request: DealRequest, actor: User, doing: str) -> None:
    if actor.pk != request.requester_id:
        raise ActionForbidden(f"Only the rep who opened the request may {doing}.")


@transaction.atomic
def deal_request_update(*, request_id: int, actor: User, data: dict) -> DealRequest:
    """Change a draft, or a request sent back for changes or recalled, before it is (re)submitted."""
    request = _locked(request_id)
    _as_requester(request, actor, "edit it")
    if not request.is_editable:
        raise ConflictError(f"A request that is {request.get_status_display().lower()} cannot be edited.")
    data = _texts(data)
    changed = sorted(name for name, value in data.items() if getattr(request, name, value) != value)
    apply_changes(request, data, EDITABLE_FIELDS)
    if not changed:
        return request
    DealEvent.objects.create(request=request, kind=Kind.EDITED, actor=actor, detail=", ".join(changed))
    return request


@transaction.atomic
def deal_attachment_add(*, request_id: int, actor: User, upload) -> DealAttachment:
    request = _locked(request_id)
    _as_requester(request, actor, "attach files")
    checked = files.check_upload(upload, allowed=ATTACHMENT_KINDS)
    upload.name = checked.stored_name()  # the user's name is only the label below
    attachment = DealAttachment.objects.create(
        request=request, file=upload, name=checked.display_name, uploaded_by=actor
    )
    DealEvent.objects.create(request=request, kind=Kind.ATTACHED, actor=actor, detail=checked.display_name)
    return attachment


# --- routing ----------------------------------------------------------------------------------------------------


@dataclass
class PlannedApprover:
    kind: str
    label: str
    candidates: list[User]


@dataclass
class PlannedStep:
    rule: ApprovalRule
    name: str
    mode: str
    inputs: dict
    approvers: list[PlannedApprover] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _rule_inputs(rule: ApprovalRule, request: DealRequest, territory_ids: set[int], net: Decimal | None) -> dict | None:
    """The request's values this rule looks at, if it matches; None if it does not.

    `net` is the net amount in the company currency, None when it could not be converted: then an amount
    condition is taken to hold (the route shows why it cannot be submitted yet).
    """
    inputs = {}
    if rule.discount_over is not None or rule.discount_up_to is not None:
        discount = request.discount_percent
        if rule.discount_over is not None and not discount > rule.discount_over:
            return None
        if rule.discount_up_to is not None and not discount <= rule.discount_up_to:
            return None
        inputs["discount_percent"] = str(discount)
    if rule.net_amount_over is not None or rule.net_amount_up_to is not None:
        if net is not None and rule.net_amount_over is not None and not net > rule.net_amount_over:
            return None
        if net is not None and rule.net_amount_up_to is not None and not net <= rule.net_amount_up_to:
            return None
        # The amount as asked, not as converted: a resubmission on another day's rate changes nothing.
        inputs["net_amount"] = f"{request.net_amount} {request.currency}"
    if rule.term_months_over is not None:
        if not request.term_months > rule.term_months_over:
            return None
        inputs["term_months"] = request.term_months
    if rule.payment_terms:
        if request.payment_terms not in rule.payment_terms:
            return None
        inputs["payment_terms"] = [request.payment_terms, request.custom_payment_terms]
    if rule.flags:
        asked = sorted(set(rule.flags) & set(request.flags))
        if not asked:
            return None
        inputs["flags"] = asked
    account = request.opportunity.account
    if rule.segments:
        if account.segment not in rule.segments:
            return None
        inputs["segment"] = account.segment
    if territory_ids:
        if account.territory_id not in territory_ids:
            return None
        inputs["territory"] = account.territory_id
    return inputs


def deal_route_plan(request: DealRequest) -> list[PlannedStep]:
    """The steps the approval matrix gives `request` now, with each approver's candidates, in order.

    Five queries whatever the size of the matrix: the rules, their territories, their approvers (with the
    named users and groups), the requester's managers, and the members of the groups the route names. The
    rows are read flat rather than prefetched: prefetching builds a queryset per rule, which costs more than
    the reading at 200 rules. A step that cannot be staffed says why in `problems`.
    """
    rules = list(ApprovalRule.objects.filter(active=True))
    net, rate_problem = _net_in_company_currency(request)
    territories = defaultdict(set)
    for rule_id, territory_id in ApprovalRule.territories.through.objects.filter(approvalrule__active=True).values_list(
        "approvalrule_id", "territory_id"
    ):
        territories[rule_id].add(territory_id)
    matched = [
        (rule, inputs)
        for rule in rules
        if (inputs := _rule_inputs(rule, request, territories[rule.pk], net)) is not None
    ]
    approvers = defaultdict(list)
    for approver in RuleApprover.objects.filter(rule__in=[rule for rule, _ in matched]).select_related("user", "group"):
        approvers[approver.rule_id].append(approver)
    members = _group_members({a.group_id for rows in approvers.values() for a in rows if a.group_id})
    requester = User.objects.select_related("manager__manager").get(pk=request.requester_id)
    manager = requester.manager
    second = manager.manager if manager is not None else None
    steps = []
    for rule, inputs in matched:
        step = PlannedStep(rule=rule, name=rule.name, mode=rule.mode, inputs=inputs)
        for approver in approvers[rule.pk]:
            step.approvers.append(_planned_approver(approver, requester, manager, second, members, step.problems))
        if rate_problem and "net_amount" in inputs:
            step.problems.append(rate_problem)
        if not approvers[rule.pk]:
            step.problems.append(f"The rule '{rule.name}' names no approvers; ask sales ops to fix the matrix.")
        step.inputs["approvers"] = sorted([a.kind, sorted(u.pk for u in a.candidates)] for a in step.approvers)
        steps.append(step)
    return steps


def _net_in_company_currency(request: DealRequest) -> tuple[Decimal | None, str]:
    """The request's net amount in the company currency at today's rate, or None and why not."""
    try:
        rate = exchange_rates.exchange_rate(request.currency, timezone.localdate())
    except ApplicationError as error:
        return None, f"The amount rules need it in {settings.COMPANY_CURRENCY}: {error.message}"
    return request.net_amount * rate, ""


def _group_members(group_ids: set[int]) -> dict[int, list[User]]:
    members = defaultdict(list)
    if group_ids:
        through = User.groups.through.objects.filter(group_id__in=group_ids, user__is_active=True)
        for link in through.select_related("user").order_by("user__username"):
            members[link.group_id].append(link.user)
    return members


def _planned_approver(
    approver: RuleApprover, requester: User, manager: User | None, second: User | None, members, problems: list
) -> PlannedApprover:
    kind = approver.kind
    if kind == RuleApprover.Kind.MANAGER:
        people, label, missing = [manager], f"{manager} (manager)" if manager else "Manager", "you have no manager"
    elif kind == RuleApprover.Kind.SECOND_MANAGER:
        people, label = [second], f"{second} (manager's manager)" if second else "Manager's manager"
        missing = "your manager has no manager"
    elif kind == RuleApprover.Kind.USER:
        people, label, missing = [approver.user], str(approver.user), f"{approver.user} is not active"
        people = [p for p in people if p.is_active]
    else:
        people, label = list(members.get(approver.group_id, [])), f"{approver.group.name} (any member)"
        missing = f"the group {approver.group.name} has no one but you"
    candidates = [p for p in people if p is not None and p.pk != requester.pk]
    if not candidates and requester in people:
        missing = "that is you, and nobody approves their own request"
    if not candidates:
        problems.append(f"Nobody can approve for {label}: {missing}. Ask sales ops to adjust the route.")
    return PlannedApprover(kind=kind, label=label, candidates=candidates)


def deal_route_preview(*, requester: User, opportunity: Opportunity, data: dict) -> list[PlannedStep]:
    """Who would have to approve these terms, before anything is saved (for the form and the API)."""
    return deal_route_plan(_unsaved_request(requester=requester, opportunity=opportunity, data=data))


@transaction.atomic
def deal_request_submit(*, request_id: int, actor: User) -> DealRequest:
    """Draft → under review, routed through the matrix. Submitting again while under review changes nothing."""
    request = _locked(request_id)
    _as_requester(request, actor, "submit it")
    if request.status == Status.SUBMITTED:
        return request
    if request.status != Status.DRAFT:
        verb = "resubmit it" if request.is_editable else "open a new request"
        raise ConflictError(f"This request is {request.get_status_display().lower()}; {verb}.")
    return _route(request, actor=actor, carry=False)


@transaction.atomic
def deal_request_resubmit(*, request_id: int, actor: User) -> DealRequest:
    """Sent back for changes, or recalled → under review again, routed anew; unchanged steps keep approvals."""
    request = _locked(request_id)
    _as_requester(request, actor, "resubmit it")
    if request.status == Status.SUBMITTED:
        return request
    if request.status == Status.DRAFT:
        raise ConflictError("This request has not been submitted yet; submit it.")
    if not request.is_editable:
        raise ConflictError(f"A request that is {request.get_status_display().lower()} cannot be resubmitted.")
    return _route(request, actor=actor, carry=True)


def _route(request: DealRequest, *, actor: User, carry: bool) -> DealRequest:
    _check_opportunity(request.opportunity, request.requester)
    plan = deal_route_plan(request)
    problems = [problem for step in plan for problem in step.problems]
    if problems:
        raise ApplicationError(" ".join(problems), code="unroutable")
    now = timezone.now()
    kept = _approved_steps(request) if carry else {}
    request.revision += 1
    request.status, request.submitted_at, request.decided_at, request.expires_at = Status.SUBMITTED, now, None, None
    steps = [
        DealApprovalStep(
            request=request,
            revision=request.revision,
            position=position,
            rule=planned.rule,
            name=planned.name,
            mode=planned.mode,
            inputs=planned.inputs,
            remind_after_hours=planned.rule.remind_after_hours,
            escalate_after_hours=planned.rule.escalate_after_hours,
        )
        for position, planned in enumerate(plan, start=1)
    ]
    for step in steps:
        if (earlier := kept.get((step.rule_id, _fingerprint(step.inputs)))) is not None:
            step.status, step.carried_from, step.completed_at = StepStatus.APPROVED, earlier, now
    DealApprovalStep.objects.bulk_create(steps)
    approvers = [
        DealApprover(step=step, kind=p.kind, label=p.label, approved=step.status == StepStatus.APPROVED)
        for step, planned in zip(steps, plan, strict=True)
        for p in planned.approvers
    ]
    DealApprover.objects.bulk_create(approvers)
    planned_approvers = [p for planned in plan for p in planned.approvers]
    DealApprover.candidates.through.objects.bulk_create(
        DealApprover.candidates.through(dealapprover_id=a.pk, user_id=user.pk)
        for a, p in zip(approvers, planned_approvers, strict=True)
        for user in p.candidates
    )
    route = "; ".join(f"{s.position}. {s.name} ({s.get_mode_display()})" for s in steps) or "no step"
    events = [
        DealEvent(
            request=request,
            kind=Kind.SUBMITTED,
            actor=actor,
            at=now,
            detail=f"Revision {request.revision}" if request.revision > 1 else "",
        ),
        DealEvent(request=request, kind=Kind.ROUTED, at=now, detail=route),
    ]
    events += [
        DealEvent(request=request, kind=Kind.APPROVAL_KEPT, step=s, at=now, detail="Nothing this step looks at changed")
        for s in steps
        if s.carried_from_id
    ]
    DealEvent.objects.bulk_create(events)
    _advance(request, steps, now=now)
    return request


def _fingerprint(inputs: dict) -> str:
    return json.dumps(inputs, sort_keys=True, default=str)


def _approved_steps(request: DealRequest) -> dict[tuple, DealApprovalStep]:
    """The previous revision's approved steps, by rule and inputs: the approvals a resubmission may keep."""
    steps = DealApprovalStep.objects.filter(
        request=request, revision=request.revision, status=StepStatus.APPROVED, rule__isnull=False
    )
    return {(s.rule_id, _fingerprint(s.inputs)): s.carried_from or s for s in steps.select_related("carried_from")}


def _advance(request: DealRequest, steps: list[DealApprovalStep], *, now: dt.datetime) -> None:
    """Reach the first step not yet approved, or approve the request when none is left."""
    step = next((s for s in steps if s.status != StepStatus.APPROVED), None)
    emails: list[OutgoingEmail] = []
    if step is None:
        request.status, request.decided_at, request.active_step = Status.APPROVED, now, None
        request.expires_at = now + dt.timedelta(days=settings.DEAL_DESK_APPROVAL_VALID_DAYS)
        detail = "Every step approved" if steps else "No rule of the approval matrix applies: within policy"
        DealEvent.objects.create(request=request, kind=Kind.REQUEST_APPROVED, at=now, detail=detail)
        emails.append(_to_rep(request, "approved", f"Approved: valid until {_day(request.expires_at)}"))
    else:
        schedule = _schedule(request)
        step.status, step.activated_at = StepStatus.PENDING, now
        step.remind_at = business_time.add_working_time(schedule, now, dt.timedelta(hours=step.remind_after_hours))
        step.escalate_at = business_time.add_working_time(schedule, now, dt.timedelta(hours=step.escalate_after_hours))
        step.next_check_at = step.remind_at
        step.save(update_fields=["status", "activated_at", "remind_at", "escalate_at", "next_check_at"])
        request.active_step = step
        DealEvent.objects.create(request=request, kind=Kind.STEP_REACHED, step=step, at=now, detail=step.name)
        emails += _to_approvers(request, step, "ask", now=now)
    request.save(
        update_fields=[
            "revision",
            "status",
            "submitted_at",
            "decided_at",
            "expires_at",
            "active_step",
            "updated_at",
        ]
    )
    if emails:
        email_enqueue_many(emails)


def _schedule(request: DealRequest) -> business_time.Schedule:
    territory = request.requester.territory
    calendar_id = territory.calendar_id if territory is not None else None
    return calendar_schedules({calendar_id})[calendar_id]


# --- deciding ---------------------------------------------------------------------------------------------------


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
    emails = [_decision_email(request, decision, step)]
    if outcome == Outcome.APPROVE:
        _record_approval(request, step, approvers, approver, now=now)
    else:
        step_status = StepStatus.REJECTED if outcome == Outcome.REJECT else StepStatus.CHANGES_REQUESTED
        _close_route(request, step_status=step_status, active=step, now=now)
        request.status = Status.REJECTED if outcome == Outcome.REJECT else Status.CHANGES_REQUESTED
        request.decided_at = now
        request.save(update_fields=["status", "decided_at", "active_step", "updated_at"])
    email_enqueue_many(emails)
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
    now, reason, step = timezone.now(), _text(reason, "reason"), request.active_step
    # Whoever was asked and has not answered yet is told that nothing waits for them any more.
    emails = _to_approvers(request, step, "recalled", now=now, people=_undecided_candidates([step])[step.pk])
    _close_route(request, step_status=None, active=None, now=now)
    request.status = Status.RECALLED
    request.save(update_fields=["status", "active_step", "updated_at"])
    DealEvent.objects.create(request=request, kind=Kind.RECALLED, actor=actor, detail=reason)
    if emails:
        email_enqueue_many(emails)
    return request


# --- delegation -------------------------------------------------------------------------------------------------


@transaction.atomic
def deal_delegation_create(
    *, approver: User, delegate: User, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> ApprovalDelegation:
    """An approver names who decides for them from `starts_on` to `ends_on` (both days included).

    A range that ended before today would delegate nothing: it is refused rather than kept as if it mattered.
    """
    note = _text(note, "note")
    if not delegate.is_active:
        raise ApplicationError(f"{delegate} is not an active user.", field="delegate")
    delegation = ApprovalDelegation(
        approver=approver, delegate=delegate, starts_on=starts_on, ends_on=ends_on, note=note
    )
    try:
        delegation.full_clean()
    except ValidationError as error:
        raise as_application_error(error) from error
    today = timezone.localdate()
    if ends_on < today:
        raise ApplicationError(
            f"The delegation would end on {ends_on:%d %b %Y}, before today ({today:%d %b %Y}): "
            "choose dates from today on.",
            field="ends_on",
            code="in_the_past",
        )
    delegation.save()
    return delegation


@transaction.atomic
def deal_delegation_end(*, delegation_id: int, actor: User) -> None:
    """The approver takes their delegation back (from today on); a past one stays as a record."""
    delegation = ApprovalDelegation.objects.select_for_update().filter(pk=delegation_id, approver=actor).first()
    if delegation is None:
        raise ApplicationError("No such delegation of yours.", code="not_found")
    today = timezone.localdate()
    if delegation.starts_on >= today:
        delegation.delete()
    elif delegation.ends_on >= today:
        delegation.ends_on = today - dt.timedelta(days=1)
        delegation.save(update_fields=["ends_on"])


# --- time: reminders, escalations, expiry ---------------------------------------------------------------------


def deal_desk_scan(*, now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """Remind the approvers of steps waiting too long, escalate breached steps, expire lapsed approvals.

    Runs every minute from beat; overlapping runs split the work (SKIP LOCKED) and each e-mail has its own
    idempotency key, so each reminder and escalation is sent once. Returns how many steps and requests moved.
    """
    now = now or timezone.now()
    due_steps = (
        DealApprovalStep.objects.filter(next_check_at__lte=now)
        .select_related("request__opportunity__account", "request__requester")
        .order_by("next_check_at")
    )
    handled = in_locked_batches(due_steps, batch_size, lambda steps: _remind_or_escalate(steps, now))
    lapsed = DealRequest.objects.filter(status=Status.APPROVED, expires_at__lte=now).select_related(
        "opportunity__account", "requester"
    )
    return handled + in_locked_batches(lapsed, batch_size, lambda requests: _expire(requests, now))


def _remind_or_escalate(steps: list[DealApprovalStep], now: dt.datetime) -> None:
    waiting = _undecided_candidates(steps)
    events, emails = [], []
    for step in steps:
        request = step.request
        if step.next_check_at == step.remind_at and step.remind_at <= now:
            events.append(
                DealEvent(request=request, kind=Kind.REMINDED, step=step, at=now, detail=_names(waiting[step.pk]))
            )
            emails += _to_approvers(request, step, "remind", now=now, people=waiting[step.pk])
            step.next_check_at = step.escalate_at
        if step.next_check_at == step.escalate_at and step.escalate_at <= now:
            managers = {p.manager for p in waiting[step.pk] if p.manager is not None}
            detail = f"To {_names(managers)}" if managers else "Nobody above the approvers to escalate to"
            events.append(DealEvent(request=request, kind=Kind.ESCALATED, step=step, at=now, detail=detail))
            emails += [
                _escalation_email(request, step, manager, waiting[step.pk]) for manager in managers if manager.email
            ]
            step.next_check_at = None
    DealEvent.objects.bulk_create(events)
    DealApprovalStep.objects.bulk_update(steps, ["next_check_at"])
    if emails:
        email_enqueue_many(emails)


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


def _expire(requests: list[DealRequest], now: dt.datetime) -> None:
    closed = [r.pk for r in requests if r.opportunity.stage in CLOSED_STAGES]
    # The deal closed in time: the approval served its purpose and no longer lapses.
    DealRequest.objects.filter(pk__in=closed).update(expires_at=None)
    lapsed = [r for r in requests if r.pk not in closed]
    DealRequest.objects.filter(pk__in=[r.pk for r in lapsed]).update(status=Status.EXPIRED, updated_at=now)
    DealEvent.objects.bulk_create(
        DealEvent(request=r, kind=Kind.EXPIRED, at=now, detail=f"The deal had not closed by {_day(r.expires_at)}")
        for r in lapsed
    )
    if lapsed:
        email_enqueue_many(
            [_to_rep(r, "expired", "The approval expired: the deal did not close in time") for r in lapsed]
        )


# --- e-mails ----------------------------------------------------------------------------------------------------


def _names(people) -> str:
    return ", ".join(sorted(str(p) for p in people)) or "nobody"


def _day(instant: dt.datetime) -> str:
    return timezone.localtime(instant).date().isoformat()


def _summary(request: DealRequest) -> dict:
    opportunity = request.opportunity
    return {
        "id": request.pk,
        "opportunity": opportunity.name,
        "account": opportunity.account.name,
        "requester": str(request.requester),
        "list_amount": f"{request.list_amount:,} {request.currency}",
        "net_amount": f"{request.net_amount:,} {request.currency}",
        "discount": f"{request.discount_percent} %",
        "term": f"{request.term_months} months",
        "payment_terms": request.custom_payment_terms or request.get_payment_terms_display(),
        "flags": request.flag_labels,
        "justification": request.justification,
        "link": reverse("sales_ops:deal_detail", args=[request.pk]),
    }


_APPROVER_NOTES = {
    "ask": ("Approval needed", "{requester} asks for non-standard terms."),
    "remind": ("Reminder: approval still needed", "{requester} still waits for your decision."),
    "recalled": ("Recalled: no decision needed", "{requester} took this request back; nothing waits for you now."),
}


def _to_approvers(
    request: DealRequest, step: DealApprovalStep, purpose: str, *, now, people: list[User] | None = None
) -> list[OutgoingEmail]:
    """E-mails to the step's approvers, and to whoever holds a delegation from them: asking, reminding, or
    telling them the request was recalled."""
    if people is None:
        people = list(User.objects.filter(deal_approver_slots__step=step).distinct())
    delegates = ApprovalDelegation.objects.filter(
        approver__in=people, starts_on__lte=timezone.localdate(now), ends_on__gte=timezone.localdate(now)
    ).select_related("delegate", "approver")
    recipients = {p.pk: (p, None) for p in people}
    for delegation in delegates:
        recipients.setdefault(delegation.delegate_id, (delegation.delegate, delegation.approver))
    subject, intro = _APPROVER_NOTES[purpose]
    return [
        OutgoingEmail(
            key=f"deal-desk:step:{step.pk}:{purpose}:{person.pk}",
            to=[person.email],
            template="deal_desk",
            context={
                "subject": f"{subject}: {request.opportunity.name} ({request.discount_percent} % off)",
                "headline": f"{subject}: {step.name}",
                "intro": intro.format(requester=request.requester)
                + (f" You were asked for {on_behalf_of}, who delegated to you." if on_behalf_of else ""),
                "deal": _summary(request),
            },
        )
        for person, on_behalf_of in recipients.values()
        if person.email
    ]


def _escalation_email(request: DealRequest, step: DealApprovalStep, manager: User, waiting: list[User]):
    late = [p for p in waiting if p.manager_id == manager.pk]
    return OutgoingEmail(
        key=f"deal-desk:step:{step.pk}:escalate:{manager.pk}",
        to=[manager.email],
        template="deal_desk",
        context={
            "subject": f"Escalated: {request.opportunity.name} waits on {_names(late)}",
            "headline": f"{step.name} is past its {step.escalate_after_hours} working hours",
            "intro": f"{_names(late)} (reporting to you) has not decided on this request yet.",
            "deal": _summary(request),
        },
    )


def _decision_email(request: DealRequest, decision: DealDecision, step: DealApprovalStep) -> OutgoingEmail:
    by = str(decision.decided_by) + (f" for {decision.approver}" if decision.on_behalf else "")
    return OutgoingEmail(
        key=f"deal-desk:decision:{decision.pk}",
        to=[request.requester.email],
        template="deal_desk",
        context={
            "subject": f"{decision.get_outcome_display()}: {request.opportunity.name} ({step.name})",
            "headline": f"{decision.get_outcome_display()} by {by}",
            "intro": f"Step: {step.name}.",
            "comment": decision.comment,
            "deal": _summary(request),
        },
    )


def _to_rep(request: DealRequest, what: str, headline: str) -> OutgoingEmail:
    return OutgoingEmail(
        key=f"deal-desk:request:{request.pk}:{request.revision}:{what}",
        to=[request.requester.email],
        template="deal_desk",
        context={
            "subject": f"{headline.split(':')[0]}: {request.opportunity.name}",
            "headline": headline,
            "intro": "",
            "deal": _summary(request),
        },
    )
