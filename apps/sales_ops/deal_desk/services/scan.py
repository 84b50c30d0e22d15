"""The deal desk's clock: steps to announce, reminders and escalations that have come due, and approvals that
lapsed."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.core.models.customers import CLOSED_STAGES
from apps.core.services.batches import in_locked_batches
from apps.core.services.outbox import email_enqueue_many
from apps.sales_ops.deal_desk.models import (
    DealApprovalStep,
    DealEvent,
    DealRequest,
)
from apps.sales_ops.deal_desk.services.emails import _day, _escalation_email, _names, _to_approvers, _to_rep
from apps.sales_ops.deal_desk.services.guards import Kind, Status, _undecided_candidates


def deal_desk_scan(*, now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """Ask the approvers of steps reached whose announcement was lost (the broker was down at the commit), remind
    the approvers of steps waiting too long, escalate breached steps, expire lapsed approvals.

    Runs every minute from beat; overlapping runs, and the announcement tasks, split the work (SKIP LOCKED) and
    each e-mail has its own idempotency key, so each ask, reminder and escalation is sent once. Returns how many
    steps and requests moved.
    """
    now = now or timezone.now()
    handled = in_locked_batches(_due_steps(now), batch_size, lambda steps: _remind_or_escalate(steps, now))
    lapsed = DealRequest.objects.filter(status=Status.APPROVED, expires_at__lte=now).select_related(
        "opportunity__account", "requester"
    )
    return handled + in_locked_batches(lapsed, batch_size, lambda requests: _expire(requests, now))


@transaction.atomic
def deal_step_announce(*, step_id: int, now: dt.datetime | None = None) -> int:
    """Ask the approvers of a step just reached, and whoever holds a delegation from them (queued after the
    commit that reached it). The step is locked and moved on to its reminder, so the task run twice, or racing
    the scan, asks once; a step decided or recalled meanwhile is no longer due and nobody is asked. Returns 1 if
    this call did it."""
    now = now or timezone.now()
    steps = list(_due_steps(now).filter(pk=step_id).select_for_update(skip_locked=True, of=("self",)))
    if steps:
        _remind_or_escalate(steps, now)
    return len(steps)


def _due_steps(now: dt.datetime):
    return (
        DealApprovalStep.objects.filter(next_check_at__lte=now)
        .select_related("request__opportunity__account", "request__requester")
        .order_by("next_check_at")
    )


def _remind_or_escalate(steps: list[DealApprovalStep], now: dt.datetime) -> None:
    """Whatever is due on each step, in its order: the announcement (due at activation), the reminder, then
    the escalation; each moves `next_check_at` on to the next, so a step is never asked or reminded twice."""
    waiting = _undecided_candidates(steps)
    events, emails = [], []
    for step in steps:
        request = step.request
        if step.next_check_at == step.activated_at:
            people = sorted(waiting[step.pk], key=lambda person: person.pk)
            emails += _to_approvers(request, step, "ask", now=now, people=people)
            step.next_check_at = step.remind_at
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
