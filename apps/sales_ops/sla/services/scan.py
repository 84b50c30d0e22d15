"""The SLA scan: warnings, breaches, escalations and breach actions that have come due, and the alerts
they queue."""

import datetime as dt
from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from apps.core.selectors import calendar_schedules
from apps.core.services import leads as lead_services
from apps.core.services.batches import in_locked_batches
from apps.core.services.dispatch import enqueue_after_commit
from apps.sales_ops.sla.models import (
    SlaClock,
    SlaEscalation,
    SlaEvent,
    SlaNotice,
    SlaPolicy,
    deadline_passed,
)
from apps.sales_ops.sla.services.ladders import _LEVEL_EVENTS, BREACH_REASON, Level, _levels


def sla_scan(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Handle every clock whose next check has come: record the level, tell its recipients, act at final breach.

    Each batch is one transaction over rows locked with SKIP LOCKED, so overlapping scans split the work
    and a scan killed half-way leaves its batch to the next. A level is marked done on the clock in the
    same transaction that writes its notices (unique per clock, level and recipient); `sla_alerts_send`
    then turns the notices into e-mails, once each. The query count depends on the batch, not on how many
    clocks run. Returns the number of clocks handled.

    A level fires once its instant has passed (`deadline_passed`: strictly before `now`), never at the
    instant itself, so that a scan and an accept at the due instant agree that the lead was in time.
    """
    now = now or timezone.now()
    due = (
        SlaClock.objects.filter(next_check_at__lt=now)  # `deadline_passed(next_check_at, now)`, in SQL
        .select_related("policy", "lead__owner__manager__manager", "lead__account", "lead__contact")
        .order_by("next_check_at")
    )
    return in_locked_batches(due, batch_size, lambda clocks: _ScanBatch(clocks, now).run())


class _ScanBatch:
    """One locked batch of clocks: what each passed, written in bulk, then the e-mails and breach actions."""

    def __init__(self, clocks: list[SlaClock], now: dt.datetime):
        self.clocks, self.now = clocks, now
        self.ladders: dict[int, list[SlaEscalation]] = defaultdict(list)
        for rung in SlaEscalation.objects.filter(policy__in={clock.policy_id for clock in clocks}):
            self.ladders[rung.policy_id].append(rung)
        self.schedules = calendar_schedules({clock.calendar_id for clock in clocks})
        self.events: list[SlaEvent] = []
        self.notices: list[SlaNotice] = []
        self.finally_breached: list[SlaClock] = []

    def run(self) -> None:
        for clock in self.clocks:
            self._handle(clock)
        SlaEvent.objects.bulk_create(self.events)
        _write_back(self.clocks)
        # Unique per clock, level and recipient; the clocks are locked and their levels marked done in this
        # transaction, so none exists yet: a clash would be a bug, and it rolls the whole batch back.
        SlaNotice.objects.bulk_create(self.notices)
        if self.notices:
            _queue_alerts()
        for clock in self.finally_breached:
            _act_on_final_breach(clock, self.now)

    def _handle(self, clock: SlaClock) -> None:
        schedule, ladder = self.schedules[clock.calendar_id], self.ladders[clock.policy_id]
        levels = _levels(clock, schedule, ladder)
        done = set(clock.levels_done)
        for at, key in levels:
            if key in done or not deadline_passed(at, self.now):
                continue
            done.add(key)
            self.events.append(
                SlaEvent(clock=clock, kind=_LEVEL_EVENTS.get(key, SlaEvent.Kind.ESCALATION), at=self.now, detail=key)
            )
            if key == Level.BREACH:
                clock.state, clock.breached_at = SlaClock.State.BREACHED, clock.due_at
            self.notices += [
                SlaNotice(clock=clock, level=key, recipient=address, created_at=self.now)
                for address in _recipients(clock, key, ladder)
            ]
        clock.levels_done = sorted(done)
        clock.next_check_at = next((at for at, key in levels if key not in done), None)
        if levels[-1][1] in done and clock.breached_at is not None:
            self.finally_breached.append(clock)


def _write_back(clocks: list[SlaClock]) -> None:
    """Save what the scan changed, one UPDATE per outcome: a bulk_update of hundreds of rows is slow to build.

    `breached_at` is always the due instant, and the next check is mostly the due instant or nothing, so
    clocks group by outcome; only those waiting for an after-breach rung need their own value.
    """
    groups, others = defaultdict(list), []
    for clock in clocks:
        if clock.next_check_at not in (None, clock.due_at):
            others.append(clock)
            continue
        outcome = (clock.state, clock.breached_at is not None, clock.next_check_at is None, tuple(clock.levels_done))
        groups[outcome].append(clock.pk)
    for (state, breached, finished, levels_done), ids in groups.items():
        SlaClock.objects.filter(pk__in=ids).update(
            state=state,
            breached_at=F("due_at") if breached else None,
            next_check_at=None if finished else F("due_at"),
            levels_done=list(levels_done),
        )
    if others:
        SlaClock.objects.bulk_update(others, ["state", "breached_at", "next_check_at", "levels_done"])


def _recipients(clock: SlaClock, level_key: str, ladder: list[SlaEscalation]) -> list[str]:
    """The addresses a level reaches, from the lead's current owner (reassigning moves the alerts with it)."""
    owner = clock.lead.owner
    manager = owner.manager if owner is not None else None
    people = {
        SlaEscalation.Recipient.OWNER: owner,
        SlaEscalation.Recipient.MANAGER: manager,
        SlaEscalation.Recipient.SECOND_MANAGER: manager.manager if manager is not None else None,
    }
    addresses = set()
    for rung in ladder:
        if rung.level_key != level_key:
            continue
        if rung.recipient == SlaEscalation.Recipient.ADDRESS:
            addresses.add(rung.email)
        elif (person := people[rung.recipient]) is not None and person.email:
            addresses.add(person.email)
    return sorted(addresses)


def _act_on_final_breach(clock: SlaClock, now: dt.datetime) -> None:
    policy = clock.policy
    if policy.on_breach == SlaPolicy.OnBreach.RECYCLE and clock.lead.stage == clock.stage:
        SlaEvent.objects.create(clock=clock, kind=SlaEvent.Kind.RECYCLED, at=now, detail=BREACH_REASON)
        lead_services.lead_recycle(lead_id=clock.lead_id, actor=None, reason=BREACH_REASON)
    elif policy.on_breach == SlaPolicy.OnBreach.REASSIGN and clock.lead.owner_id != policy.queue_owner_id:
        SlaEvent.objects.create(clock=clock, kind=SlaEvent.Kind.REASSIGNED, at=now, detail=f"to {policy.queue_owner}")
        lead_services.lead_reassign(lead_id=clock.lead_id, owner=policy.queue_owner, actor=None)


def _queue_alerts() -> None:
    """The sender, once the scan commits; if the broker is down then, beat re-drives it within a minute."""
    from apps.sales_ops.sla.tasks import sla_alerts_send_task  # tasks import this module

    enqueue_after_commit(sla_alerts_send_task)
