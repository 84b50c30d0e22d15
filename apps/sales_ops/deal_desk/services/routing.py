"""Deal desk routing: the approval matrix's plan for a request, submitting and resubmitting it, and moving it
from one step to the next."""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core import business_time, exchange_rates
from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.models import Opportunity, User
from apps.core.services.dispatch import enqueue_after_commit
from apps.core.services.outbox import OutgoingEmail, email_enqueue_many
from apps.core.timezones import site_today, user_time_zone
from apps.sales_ops.deal_desk.models import (
    ApprovalRule,
    DealApprovalStep,
    DealApprover,
    DealEvent,
    DealRequest,
    RuleApprover,
)
from apps.sales_ops.deal_desk.services.drafts import _unsaved_request
from apps.sales_ops.deal_desk.services.emails import _day, _round_email
from apps.sales_ops.deal_desk.services.guards import (
    Kind,
    Status,
    StepStatus,
    _as_requester,
    _check_opportunity,
    _locked,
    _schedule,
)


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

    Three queries whatever the size of the matrix: the rules with their territories (one row per rule and
    territory), their approvers (with the named users and groups), and the members of the groups the route
    names; a fourth for today's rate only when a matched rule looks at the amount in another currency, and one
    for the requester's managers only when the caller has not read them with the request (`_locked` does).
    The rows are read flat rather than prefetched: prefetching builds a queryset per rule, which costs more
    than the reading at 200 rules. A step that cannot be staffed says why in `problems`.
    """
    rules, territories = _active_rules()
    net, rate_problem = None, ""
    if any(rule.net_amount_over is not None or rule.net_amount_up_to is not None for rule in rules):
        net, rate_problem = _net_in_company_currency(request)
    matched = [
        (rule, inputs)
        for rule in rules
        if (inputs := _rule_inputs(rule, request, territories[rule.pk], net)) is not None
    ]
    approvers = defaultdict(list)
    if matched:
        rows = RuleApprover.objects.filter(rule__in=[rule.pk for rule, _ in matched]).select_related("user", "group")
        for approver in rows:
            approvers[approver.rule_id].append(approver)
    members = _group_members({a.group_id for rows in approvers.values() for a in rows if a.group_id})
    requester = _with_managers(request)
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


def _active_rules() -> tuple[list[ApprovalRule], dict[int, set[int]]]:
    """The active rules in matrix order, and each one's territories, in one query (joined, then folded)."""
    rules: dict[int, ApprovalRule] = {}
    territories = defaultdict(set)
    for rule in ApprovalRule.objects.filter(active=True).annotate(matrix_territory=F("territories")):
        rules.setdefault(rule.pk, rule)
        if rule.matrix_territory is not None:
            territories[rule.pk].add(rule.matrix_territory)
    return list(rules.values()), territories


def _with_managers(request: DealRequest) -> User:
    """The requester with their manager and the manager's manager: as read with the request, or read now."""
    requester = request.requester
    manager_read = User.manager.is_cached(requester)
    if manager_read and (requester.manager is None or User.manager.is_cached(requester.manager)):
        return requester
    return User.objects.select_related("manager__manager").get(pk=request.requester_id)


def _net_in_company_currency(request: DealRequest) -> tuple[Decimal | None, str]:
    """The request's net amount in the company currency at today's rate, or None and why not."""
    try:
        rate = exchange_rates.exchange_rate(request.currency, site_today())
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
    """Write the route in a fixed number of queries whatever its length: the steps, their approvers, the
    candidates and the timeline each in one bulk insert, the first step reached before it is written.

    Asking the first step's approvers (their delegates, decision links, notification preferences, outbox rows)
    waits for the commit: the step is written due for its announcement, which a task does straight after the
    commit and the scan does if that task is lost (`_announce_after_commit`). A request approved at once (no
    rule applies, or every step's approval kept) e-mails the rep here.
    """
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
    active = next((s for s in steps if s.status != StepStatus.APPROVED), None)
    if active is not None:
        _activate(request, active, now=now)  # before the insert: no UPDATE of the step afterwards
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
    if active is None:
        events.append(_conclude(request, steps, now=now))
    else:
        request.active_step = active
        events.append(DealEvent(request=request, kind=Kind.STEP_REACHED, step=active, at=now, detail=active.name))
        _announce_after_commit(active)
    DealEvent.objects.bulk_create(events)
    _save_route_fields(request)
    if active is None:
        email_enqueue_many([_approved_email(request)])
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
    """After a decision: reach the first step not yet approved, or approve the request when none is left."""
    step = next((s for s in steps if s.status != StepStatus.APPROVED), None)
    if step is None:
        _conclude(request, steps, now=now).save()
    else:
        _activate(request, step, now=now)
        step.save(update_fields=["status", "activated_at", "remind_at", "escalate_at", "next_check_at"])
        request.active_step = step
        DealEvent.objects.create(request=request, kind=Kind.STEP_REACHED, step=step, at=now, detail=step.name)
        _announce_after_commit(step)
    _save_route_fields(request)
    if step is None:
        email_enqueue_many([_approved_email(request)])


def _activate(request: DealRequest, step: DealApprovalStep, *, now: dt.datetime) -> None:
    """The step waits on its approvers from now: its reminder and escalation in the requester's working time,
    and its announcement (asking the approvers) due now, so that a lost task leaves it to the scan."""
    schedule = _schedule(request)
    step.status, step.activated_at = StepStatus.PENDING, now
    step.remind_at = business_time.add_working_time(schedule, now, dt.timedelta(hours=step.remind_after_hours))
    step.escalate_at = business_time.add_working_time(schedule, now, dt.timedelta(hours=step.escalate_after_hours))
    step.next_check_at = now


def _announce_after_commit(step: DealApprovalStep) -> None:
    """Ask the step's approvers once the step is committed (`deal_step_announce`); until then nobody is asked
    for a step that may yet roll back. If the broker is down, the scan finds the step due within a minute."""
    from apps.sales_ops.deal_desk.tasks import deal_step_announce_task  # tasks import the services

    enqueue_after_commit(deal_step_announce_task, step.pk)


def _conclude(request: DealRequest, steps: list[DealApprovalStep], *, now: dt.datetime) -> DealEvent:
    """No step is left: the request is approved until it lapses. Returns its event, not saved."""
    request.status, request.decided_at, request.active_step = Status.APPROVED, now, None
    request.expires_at = now + dt.timedelta(days=settings.DEAL_DESK_APPROVAL_VALID_DAYS)
    detail = "Every step approved" if steps else "No rule of the approval matrix applies: within policy"
    return DealEvent(request=request, kind=Kind.REQUEST_APPROVED, at=now, detail=detail)


def _approved_email(request: DealRequest) -> OutgoingEmail:
    """The end of a round that every step approved: the rep's one e-mail for it."""
    until = _day(request.expires_at, user_time_zone(request.requester))  # the day in the rep's zone
    return _round_email(request, "approved", f"Approved: valid until {until}")


def _save_route_fields(request: DealRequest) -> None:
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
