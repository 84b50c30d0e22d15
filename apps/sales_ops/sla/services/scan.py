"""The SLA scan: warnings, breaches, escalations and breach actions that have come due, and the alerts
they queue."""

import datetime as dt
from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from apps.core.models import User
from apps.core.selectors import calendar_schedules
from apps.core.services import leads as lead_services
from apps.core.services.batches import in_locked_batches
from apps.core.services.dispatch import enqueue_after_commit
from apps.core.services.rows import insert_rows
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
    clocks run or are due. Returns the number of clocks handled.

    The clocks are read as rows (`values()`), with only the fields the levels need, and the people the
    notices go to in one more query: building a clock, its lead, policy and three people as models for each
    of a thousand due clocks cost several times the SELECT itself.

    A level fires once its instant has passed (`deadline_passed`: strictly before `now`), never at the
    instant itself, so that a scan and an accept at the due instant agree that the lead was in time.
    """
    now = now or timezone.now()
    due = (
        SlaClock.objects.filter(next_check_at__lt=now)  # `deadline_passed(next_check_at, now)`, in SQL
        .order_by("next_check_at")
        .values(*_DueClock.COLUMNS)
    )
    return in_locked_batches(due, batch_size, lambda rows: _ScanBatch([_DueClock(row) for row in rows], now).run())


class _DueClock:
    """What the scan reads and changes of one clock, from a row: no model instances."""

    COLUMNS = (
        "id",
        "policy_id",
        "calendar_id",
        "stage",
        "state",
        "warn_at",
        "due_at",
        "breached_at",
        "next_check_at",
        "levels_done",
        "lead_id",
        "lead__owner_id",
        "lead__stage",
    )
    __slots__ = ("pk", "policy_id", "calendar_id", "stage", "state", "warn_at", "due_at", "breached_at")
    __slots__ += ("next_check_at", "levels_done", "lead_id", "owner_id", "lead_stage")

    def __init__(self, row: dict):
        self.pk, self.policy_id, self.calendar_id = row["id"], row["policy_id"], row["calendar_id"]
        self.stage, self.state, self.warn_at, self.due_at = row["stage"], row["state"], row["warn_at"], row["due_at"]
        self.breached_at, self.next_check_at, self.levels_done = (
            row["breached_at"],
            row["next_check_at"],
            row["levels_done"],
        )
        self.lead_id, self.owner_id, self.lead_stage = row["lead_id"], row["lead__owner_id"], row["lead__stage"]


class _ScanBatch:
    """One locked batch of clocks: what each passed, written in bulk, then the e-mails and breach actions."""

    def __init__(self, clocks: list[_DueClock], now: dt.datetime):
        self.clocks, self.now = clocks, now
        self.ladders: dict[int, list[SlaEscalation]] = defaultdict(list)
        for rung in SlaEscalation.objects.filter(policy__in={clock.policy_id for clock in clocks}):
            self.ladders[rung.policy_id].append(rung)
        self.schedules = calendar_schedules({clock.calendar_id for clock in clocks})
        self.events: list[tuple] = []  # (clock_id, kind, at, detail): written by insert_rows, no model each
        self.reached: list[tuple[_DueClock, str]] = []  # (clock, level) whose notices are still to write
        self.finally_breached: list[_DueClock] = []

    def run(self) -> None:
        for clock in self.clocks:
            self._handle(clock)
        insert_rows(SlaEvent, ("clock", "kind", "at", "detail"), self.events)
        _write_back(self.clocks)
        # Unique per clock, level and recipient; the clocks are locked and their levels marked done in this
        # transaction, so none exists yet: a clash would be a bug, and it rolls the whole batch back.
        if insert_rows(SlaNotice, ("clock", "level", "recipient", "created_at"), self._notices()):
            _queue_alerts()
        if self.finally_breached:
            policies = SlaPolicy.objects.select_related("queue_owner").in_bulk(
                {clock.policy_id for clock in self.finally_breached}
            )
            for clock in self.finally_breached:
                _act_on_final_breach(clock, policies[clock.policy_id], self.now)

    def _handle(self, clock: _DueClock) -> None:
        schedule, ladder = self.schedules[clock.calendar_id], self.ladders[clock.policy_id]
        levels = _levels(clock, schedule, ladder)
        done = set(clock.levels_done)
        for at, key in levels:
            if key in done or not deadline_passed(at, self.now):
                continue
            done.add(key)
            self.events.append((clock.pk, _LEVEL_EVENTS.get(key, SlaEvent.Kind.ESCALATION).value, self.now, key))
            if key == Level.BREACH:
                clock.state, clock.breached_at = SlaClock.State.BREACHED, clock.due_at
            self.reached.append((clock, key))
        clock.levels_done = sorted(done)
        clock.next_check_at = next((at for at, key in levels if key not in done), None)
        if levels[-1][1] in done and clock.breached_at is not None:
            self.finally_breached.append(clock)

    def _notices(self) -> list[tuple]:
        """The notices of every level reached, as (clock_id, level, recipient, created_at), addressed from the
        leads' current owners and their managers (reassigning moves the alerts with the lead): one query for the
        people of the whole batch."""
        people_needed = any(
            rung.recipient != SlaEscalation.Recipient.ADDRESS
            for clock, _ in self.reached
            for rung in self.ladders[clock.policy_id]
        )
        chains = _owner_chains({clock.owner_id for clock, _ in self.reached}) if people_needed else {}
        return [
            (clock.pk, key, address, self.now)
            for clock, key in self.reached
            for address in _recipients(chains.get(clock.owner_id, {}), key, self.ladders[clock.policy_id])
        ]


def _owner_chains(owner_ids: set[int]) -> dict[int, dict[str, str]]:
    """Per lead owner, the e-mail addresses of the owner, their manager and the manager's manager."""
    Recipient = SlaEscalation.Recipient
    rows = User.objects.filter(pk__in=owner_ids - {None}).values(
        "id", "email", "manager__email", "manager__manager__email"
    )
    return {
        row["id"]: {
            Recipient.OWNER: row["email"],
            Recipient.MANAGER: row["manager__email"],
            Recipient.SECOND_MANAGER: row["manager__manager__email"],
        }
        for row in rows
    }


def _write_back(clocks: list[_DueClock]) -> None:
    """Save what the scan changed, one UPDATE per outcome: a bulk_update of hundreds of rows is slow to build.

    `breached_at` is always the due instant, and the next check is mostly the due instant or nothing, so
    clocks group by outcome; only those waiting for an after-breach rung need their own value.
    """
    groups, others = defaultdict(list), []
    for clock in clocks:
        if clock.next_check_at not in (None, clock.due_at):
            others.append(
                SlaClock(
                    pk=clock.pk,
                    state=clock.state,
                    breached_at=clock.breached_at,
                    next_check_at=clock.next_check_at,
                    levels_done=clock.levels_done,
                )
            )
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


def _recipients(chain: dict[str, str], level_key: str, ladder: list[SlaEscalation]) -> list[str]:
    """The addresses a level reaches: fixed addresses, and the people of the owner's chain the ladder names."""
    addresses = set()
    for rung in ladder:
        if rung.level_key != level_key:
            continue
        if rung.recipient == SlaEscalation.Recipient.ADDRESS:
            addresses.add(rung.email)
        elif address := chain.get(rung.recipient):
            addresses.add(address)
    return sorted(addresses)


def _act_on_final_breach(clock: _DueClock, policy: SlaPolicy, now: dt.datetime) -> None:
    if policy.on_breach == SlaPolicy.OnBreach.RECYCLE and clock.lead_stage == clock.stage:
        SlaEvent.objects.create(clock_id=clock.pk, kind=SlaEvent.Kind.RECYCLED, at=now, detail=BREACH_REASON)
        lead_services.lead_recycle(lead_id=clock.lead_id, actor=None, reason=BREACH_REASON)
    elif policy.on_breach == SlaPolicy.OnBreach.REASSIGN and clock.owner_id != policy.queue_owner_id:
        detail = f"to {policy.queue_owner}"
        SlaEvent.objects.create(clock_id=clock.pk, kind=SlaEvent.Kind.REASSIGNED, at=now, detail=detail)
        lead_services.lead_reassign(lead_id=clock.lead_id, owner=policy.queue_owner, actor=None)


def _queue_alerts() -> None:
    """The sender, once the scan commits; if the broker is down then, beat re-drives it within a minute."""
    from apps.sales_ops.sla.tasks import sla_alerts_send_task  # tasks import this module

    enqueue_after_commit(sla_alerts_send_task)
