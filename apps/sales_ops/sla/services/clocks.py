"""SLA clocks: they start and stop with the lead's moves, and pause and resume."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.core import business_time
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Lead, LeadTransition, User
from apps.core.timezones import email_time, user_time_zone
from apps.sales_ops.sla.models import (
    SlaClock,
    SlaEvent,
    SlaPolicy,
)
from apps.sales_ops.sla.services.ladders import _ladder, _next_check
from apps.sales_ops.sla.services.policies import sla_policy_for


def sla_on_lead_moved(*, lead: Lead, transition: LeadTransition) -> None:
    """Stop the clock of the stage the lead left; start one if the stage it entered is governed.

    Runs inside the move's transaction (core's `lead_moved` signal), so the two commit together.
    """
    open_clocks = SlaClock.objects.select_for_update().filter(lead=lead, stopped_at__isnull=True)
    for clock in open_clocks.exclude(stage=lead.stage):
        _stop(clock, at=transition.at, actor=transition.actor)
    policy = sla_policy_for(lead)
    if policy is not None and not open_clocks.filter(stage=lead.stage).exists():
        sla_clock_start(lead=lead, policy=policy, at=transition.at, actor=transition.actor)


def sla_clock_start(*, lead: Lead, policy: SlaPolicy, at: dt.datetime, actor: User | None = None) -> SlaClock:
    """A clock for the lead in its stage, with due and warning instants in the policy's business time.

    The clock keeps the policy's terms as they are now (target, unit, warning point): it runs on them to the end.
    """
    calendar, schedule = policy.schedule_for(lead)
    due = policy.due(schedule, at)
    budget = business_time.working_time_between(schedule, at, due)
    warn = business_time.add_working_time(schedule, at, budget * policy.warn_at_percent / 100)
    clock = SlaClock(
        lead=lead,
        policy=policy,
        stage=lead.stage,
        calendar=calendar,
        target=policy.target,
        unit=policy.unit,
        warn_at_percent=policy.warn_at_percent,
        started_at=at,
        counting_since=at,
        budget=budget,
        warn_at=warn,
        due_at=due,
    )
    clock.next_check_at = _next_check(clock, schedule, _ladder(policy))
    clock.save()
    SlaEvent.objects.create(
        clock=clock, kind=SlaEvent.Kind.STARTED, at=at, actor=actor, detail=f"due {due:%Y-%m-%d %H:%M} UTC"
    )
    return clock


def _stop(clock: SlaClock, *, at: dt.datetime, actor: User | None) -> None:
    """Met when the lead left its stage by the due instant (paused time not counted), else breached.

    The same rule as the scan's (`SlaClock.is_overdue`): a clock the scan has not reached yet is breached all
    the same once its due instant has passed, and a pause counts only if it began by the due instant.
    """
    met = not clock.is_overdue(at)
    clock.state = SlaClock.State.MET if met else SlaClock.State.BREACHED
    if not met and clock.breached_at is None:
        clock.breached_at = clock.due_at
    clock.stopped_at, clock.next_check_at = at, None
    clock.save(update_fields=["state", "breached_at", "stopped_at", "next_check_at"])
    kind = SlaEvent.Kind.MET if met else SlaEvent.Kind.STOPPED_BREACHED
    SlaEvent.objects.create(clock=clock, kind=kind, at=at, actor=actor)


def _may_pause(actor: User | None, clock: SlaClock) -> bool:
    """The lead's owner, the owner's managers and sales ops (or the system itself): who may work the lead."""
    return actor is None or actor.has_perm("core.may_accept_lead", clock.lead)


@transaction.atomic
def sla_clock_pause(*, clock_id: int, reason: str, actor: User | None) -> SlaClock:
    """Stop the count (e.g. while waiting on the customer) for one of the policy's pause reasons."""
    clock = SlaClock.objects.select_for_update(of=("self",)).select_related("policy", "lead__owner").get(pk=clock_id)
    if not _may_pause(actor, clock):
        raise ActionForbidden("Only the lead's owner, their managers or sales ops may pause its clock.")
    if clock.state == SlaClock.State.PAUSED:
        return clock
    if clock.state != SlaClock.State.RUNNING or not clock.is_open:
        state = clock.get_state_display().lower()
        raise ApplicationError(f"Only a running clock can be paused; this one is {state}.", code="illegal_move")
    allowed = clock.policy.pause_reasons
    if reason not in allowed:
        choices = ", ".join(f"'{r}'" for r in allowed) or "none: this policy's clocks cannot be paused"
        raise ApplicationError(f"Not a pause reason of this policy. Allowed: {choices}.", field="reason")
    now = timezone.now()
    if clock.is_overdue(now):
        # Breached whether or not the scan has noticed yet: a pause would hide the breach.
        due = email_time(clock.due_at, user_time_zone(actor) if actor is not None else clock.schedule().tz)
        raise ApplicationError(
            f"This clock was due {due} and is breached: a clock past its due instant cannot be paused.",
            code="overdue",
        )
    clock.used_before_pause += business_time.working_time_between(clock.schedule(), clock.counting_since, now)
    clock.state, clock.paused_at, clock.pause_reason, clock.next_check_at = SlaClock.State.PAUSED, now, reason, None
    clock.save(update_fields=["used_before_pause", "state", "paused_at", "pause_reason", "next_check_at"])
    SlaEvent.objects.create(clock=clock, kind=SlaEvent.Kind.PAUSED, at=now, actor=actor, detail=reason)
    return clock


@transaction.atomic
def sla_clock_resume(*, clock_id: int, actor: User | None) -> SlaClock:
    """Count again: the due and warning instants move to where the rest of the budget runs out.

    A clock paused after its due instant has no budget left: it keeps its due instant, and the next scan
    records the breach.
    """
    clock = SlaClock.objects.select_for_update(of=("self",)).select_related("policy", "lead__owner").get(pk=clock_id)
    if not _may_pause(actor, clock):
        raise ActionForbidden("Only the lead's owner, their managers or sales ops may resume its clock.")
    if clock.state != SlaClock.State.PAUSED:
        state = clock.get_state_display().lower()
        raise ApplicationError(f"Only a paused clock can be resumed; this one is {state}.", code="illegal_move")
    now, schedule = timezone.now(), clock.schedule()
    if not clock.is_overdue(now):
        remaining = max(clock.budget - clock.used_before_pause, dt.timedelta(0))
        warn_budget = clock.budget * clock.warn_at_percent / 100
        clock.due_at = business_time.add_working_time(schedule, now, remaining)
        clock.warn_at = business_time.add_working_time(
            schedule, now, max(warn_budget - clock.used_before_pause, dt.timedelta(0))
        )
    clock.state, clock.counting_since, clock.paused_at, clock.pause_reason = SlaClock.State.RUNNING, now, None, ""
    clock.next_check_at = _next_check(clock, schedule, _ladder(clock.policy))
    clock.save()
    SlaEvent.objects.create(
        clock=clock, kind=SlaEvent.Kind.RESUMED, at=now, actor=actor, detail=f"due {clock.due_at:%Y-%m-%d %H:%M} UTC"
    )
    return clock
