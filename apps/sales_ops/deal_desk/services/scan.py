"""The deal desk's clock: reminders and escalations that have come due, and approvals that lapsed."""

import datetime as dt

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
