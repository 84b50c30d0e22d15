"""Lead SLA writes: clocks start and stop with lead moves, pause and resume, and the scan that alerts."""

import datetime as dt
import hashlib
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Case, F, Min, Prefetch, Value, When, prefetch_related_objects
from django.utils import timezone

from apps.core import business_time
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Lead, LeadTransition, User
from apps.core.permissions import team_of
from apps.core.services import leads as lead_services
from apps.core.services.batches import in_locked_batches
from apps.core.services.outbox import OutgoingEmail, email_enqueue, email_enqueue_many
from apps.core.services.records import as_application_error, validated_save
from apps.sales_ops.models import SlaClock, SlaDigestSubscription, SlaEscalation, SlaEvent, SlaNotice, SlaPolicy
from apps.sales_ops.sla.models import deadline_passed
from apps.sales_ops.sla.selectors import calendar_schedules

BREACH_REASON = "SLA breached"
Level = SlaEscalation.Level


# --- policies -----------------------------------------------------------------------------------


def sla_policy_for(lead: Lead) -> SlaPolicy | None:
    """The first active policy, in priority order, whose filters fit the lead in its current stage."""
    for policy in SlaPolicy.objects.filter(active=True, stage=lead.stage).order_by("priority", "id"):
        if policy.matches(lead):
            return policy
    return None


# --- clocks start and stop with the lead's moves ---------------------------------------------------


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


# --- pause and resume ---------------------------------------------------------------------------


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
        raise ApplicationError(f"Only a running clock can be paused; this one is {clock.state}.", code="illegal_move")
    allowed = clock.policy.pause_reasons
    if reason not in allowed:
        choices = ", ".join(f"'{r}'" for r in allowed) or "none: this policy's clocks cannot be paused"
        raise ApplicationError(f"Not a pause reason of this policy. Allowed: {choices}.", field="reason")
    now = timezone.now()
    if clock.is_overdue(now):
        # Breached whether or not the scan has noticed yet: a pause would hide the breach.
        due = _local(clock.due_at, clock.schedule())
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
        raise ApplicationError(f"Only a paused clock can be resumed; this one is {clock.state}.", code="illegal_move")
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


# --- the scan -----------------------------------------------------------------------------------


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
            transaction.on_commit(_queue_alerts)
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


def _ladder(policy: SlaPolicy) -> list[SlaEscalation]:
    return list(policy.escalations.all())


def _levels(clock: SlaClock, schedule, ladder: list[SlaEscalation]) -> list[tuple[dt.datetime, str]]:
    """Every level this clock passes, with its instant, in time order: warning, breach, after-breach rungs."""
    levels = {Level.WARNING.value: clock.warn_at, Level.BREACH.value: clock.due_at}
    for rung in ladder:
        if rung.level == Level.AFTER_BREACH:
            levels[rung.level_key] = business_time.add_working_time(
                schedule, clock.due_at, dt.timedelta(hours=rung.hours_after_breach)
            )
    return sorted((at, key) for key, at in levels.items())


_LEVEL_EVENTS = {Level.WARNING.value: SlaEvent.Kind.WARNING, Level.BREACH.value: SlaEvent.Kind.BREACH}


def _next_check(clock: SlaClock, schedule, ladder) -> dt.datetime | None:
    done = set(clock.levels_done)
    return next((at for at, key in _levels(clock, schedule, ladder) if key not in done), None)


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
    from apps.sales_ops.sla.tasks import sla_alerts_send_task  # tasks import this module

    sla_alerts_send_task.delay()


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock held by another transaction
MET = "met"  # a row's level when the warned clock was met before the e-mail went out


def sla_alerts_send(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """E-mail what the scans recorded and nobody has sent yet: one message per recipient, however many leads.

    Claimed per recipient: all of a recipient's unsent notices are locked together and pointed at their
    e-mail in one transaction, so that each lead is told once, at its latest level, whatever runs at once.
    A recipient whose notices another sender holds is skipped: locking the rest row by row (SKIP LOCKED)
    would split that person's leads across two e-mails. What the holder did not see waits for the next
    run, which every scan queues. Recipients are read `batch_size` at a time, whoever has waited longest
    first (by their oldest unsent notice). Returns the number of notices sent.
    """
    now = now or timezone.now()
    sent, after = 0, 0
    while True:
        waiting = list(
            SlaNotice.objects.filter(email__isnull=True)
            .values("recipient")
            .annotate(oldest=Min("id"))
            .filter(oldest__gt=after)
            .order_by("oldest")[:batch_size]
        )
        for recipient in waiting:
            sent += _email_recipient(recipient["recipient"], now)
        if len(waiting) < batch_size:
            return sent
        after = waiting[-1]["oldest"]


def _email_recipient(recipient: str, now: dt.datetime) -> int:
    """Claim every unsent notice of one recipient (NOWAIT: none if another sender holds any) and e-mail them."""
    try:
        with transaction.atomic():
            notices = list(
                SlaNotice.objects.filter(email__isnull=True, recipient=recipient)
                .select_for_update(nowait=True, of=("self",))
                .select_related("clock")
                .order_by("id")
            )
            if notices:
                _email_notices(notices, now)
            return len(notices)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        return 0  # another sender holds this recipient and tells them everything it locked


def _email_notices(notices: list[SlaNotice], now: dt.datetime) -> None:
    # A clock is told to two or three people: read each clock's lead, owner and account once, not per notice.
    prefetch_related_objects(
        [notice.clock for notice in notices],
        "policy",
        "lead__owner",
        "lead__account",
        "lead__contact",
        _taken_away(),
    )
    _send_alerts(notices, now, calendar_schedules({notice.clock.calendar_id for notice in notices}))
    # One e-mail per recipient: one UPDATE keyed by recipient, not a CASE per notice.
    email_of = {notice.recipient: notice.email_id for notice in notices}
    SlaNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(
        email=Case(*(When(recipient=address, then=Value(pk)) for address, pk in email_of.items()))
    )


def _taken_away() -> Prefetch:
    """Each clock's `taken_away`: its RECYCLED or REASSIGNED event, if the breach took the lead away."""
    kinds = [SlaEvent.Kind.RECYCLED, SlaEvent.Kind.REASSIGNED]
    return Prefetch("events", queryset=SlaEvent.objects.filter(kind__in=kinds), to_attr="taken_away")


def _send_alerts(notices: list[SlaNotice], now: dt.datetime, schedules) -> None:
    """One e-mail per recipient for everything these notices tell, however many clocks; each notice is
    pointed at its e-mail.

    A clock is listed once, at the latest level it has reached when the e-mail is written, with what
    happened to it: a warning whose clock has breached since (in the same scan, or a later one that told
    this recipient nothing) reads "Breached", and a lead recycled or reassigned at breach says so.
    """
    theirs: dict[str, list[SlaNotice]] = defaultdict(list)
    for notice in notices:
        theirs[notice.recipient].append(notice)
    rows_by_clock: dict[int, dict] = {}
    emails = {}
    for address, told in theirs.items():
        latest: dict[int, SlaNotice] = {}
        for notice in told:
            known = latest.get(notice.clock.pk)
            if known is None or _rank(notice.level) > _rank(known.level):
                latest[notice.clock.pk] = notice
        rows = []
        for notice in latest.values():
            clock = notice.clock
            if clock.pk not in rows_by_clock:
                rows_by_clock[clock.pk] = _alert_row(clock, now, schedules[clock.calendar_id])
            level = notice.level
            if level == Level.WARNING and clock.breached_at is not None:
                level = Level.BREACH.value  # it breached before this e-mail went out: say so, not "soon"
            elif level == Level.WARNING and clock.state == SlaClock.State.MET:
                level = MET  # it left the stage in time before this e-mail went out: no longer at risk
            rows.append({**rows_by_clock[clock.pk], **_level(level)})
        rows.sort(key=lambda row: row["due_at"])
        met = sum(1 for row in rows if row["level"] == MET)
        breaches = sum(1 for row in rows if row["level"] not in (Level.WARNING, MET))
        # Named by what it reports: the same notices always make the same key, and no two sets share one.
        told_of = ",".join(sorted(f"{notice.clock.pk}:{notice.level}" for notice in told))
        key = f"sla-alert:{address}:{hashlib.sha256(told_of.encode()).hexdigest()[:32]}"
        context = {
            "rows": rows,
            "breaches": breaches,
            "warnings": len(rows) - breaches - met,
            "met": met,
            "taken_away": sum(1 for row in rows if row["taken_away"]),
        }
        emails[address] = OutgoingEmail(key=key, to=[address], template="sla_alert", context=context)
    stored = email_enqueue_many(list(emails.values()))
    for notice in notices:
        notice.email = stored[emails[notice.recipient].key]


def _rank(level_key: str) -> tuple[int, int]:
    """Levels in the order a clock passes them: warning, breach, then after-breach rungs by their hours."""
    level, _, hours = level_key.partition("+")
    order = {Level.WARNING.value: 0, Level.BREACH.value: 1}.get(level, 2)
    return order, int(hours.rstrip("h") or 0)


def _level(level_key: str) -> dict:
    level = level_key.split("+")[0]
    labels = {Level.WARNING.value: "Warning", Level.BREACH.value: "Breached", MET: "Met in time"}
    return {"level": level, "level_label": labels.get(level, "Escalation")}


def _alert_row(clock: SlaClock, now: dt.datetime, schedule) -> dict:
    """What an alert says of a clock, whatever the level: the lead, when it was due, and what became of it."""
    lead = clock.lead
    # A stopped clock counts no more: over is measured to its stop, and a met one is neither over nor short.
    over = business_time.working_time_between(schedule, clock.due_at, min(clock.stopped_at or now, now))
    if clock.state == SlaClock.State.MET:
        over = dt.timedelta(0)
    return {
        "lead_id": lead.pk,
        "lead": str(lead.contact),
        "account": lead.account.name,
        "owner": str(lead.owner) if lead.owner else "nobody",
        "stage": lead.get_stage_display(),
        "policy": f"{clock.policy.name}: {clock.target_text}",
        "due_at": clock.due_at,
        # Written here, in the calendar's zone: a template would show it in the server's.
        "due": _local(clock.due_at, schedule),
        "over": _hours(over) if over > dt.timedelta(0) else "",
        "left": _hours(-over) if over < dt.timedelta(0) else "",
        "link": f"/sales/leads/{lead.pk}/",
        **_outcome(clock, now, schedule),
    }


def _outcome(clock: SlaClock, now: dt.datetime, schedule) -> dict:
    """What happened to the clock by now, in words: breached and taken away, breached, or met since."""
    taken = next(iter(clock.taken_away), None)  # prefetched: the RECYCLED or REASSIGNED event, if any
    if clock.breached_at is not None:
        ago = f"breached {_hours(max(now - clock.breached_at, dt.timedelta(0)))} ago"
        if taken is not None and taken.kind == SlaEvent.Kind.RECYCLED:
            return {"outcome": f"{ago} and returned to marketing", "taken_away": True}
        if taken is not None:
            return {"outcome": f"{ago} and reassigned {taken.detail}", "taken_away": True}
        return {"outcome": ago, "taken_away": False}
    if clock.state == SlaClock.State.MET and clock.stopped_at is not None:
        return {"outcome": f"met: left the stage {_local(clock.stopped_at, schedule)}", "taken_away": False}
    return {"outcome": "", "taken_away": False}


def _local(instant: dt.datetime, schedule: business_time.Schedule) -> str:
    local = instant.astimezone(schedule.tz)
    return f"{local:%a} {local.day} {local:%b, %H:%M %Z}"


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


# --- the daily digest ------------------------------------------------------------------------------


def sla_digest_send(*, day: dt.date) -> int:
    """A morning e-mail to each subscribed manager listing their team's open breaches (once per day)."""
    sent = 0
    now = timezone.now()
    for subscription in SlaDigestSubscription.objects.filter(active=True).select_related("user"):
        manager = subscription.user
        clocks = (
            SlaClock.objects.filter(
                stopped_at__isnull=True,
                state=SlaClock.State.BREACHED,
                lead__owner_id__in=team_of(manager),
            )
            .select_related("policy", "lead__owner", "lead__account", "lead__contact")
            .prefetch_related(_taken_away())
            .order_by("due_at")
        )
        clocks = list(clocks)
        schedules = calendar_schedules({clock.calendar_id for clock in clocks})
        rows = [{**_alert_row(clock, now, schedules[clock.calendar_id]), **_level(Level.BREACH)} for clock in clocks]
        if not rows or not manager.email:
            continue
        with transaction.atomic():
            email_enqueue(
                key=f"sla-digest:{manager.pk}:{day.isoformat()}",
                to=[manager.email],
                template="sla_digest",
                context={
                    "rows": rows,
                    "manager_name": manager.first_name or manager.username,
                    "day": f"{day:%a} {day.day} {day:%b}",
                },
            )
        sent += 1
    return sent


# --- policies as data ---------------------------------------------------------------------------


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy | None = None, data: dict, escalations: list[dict] | None = None) -> SlaPolicy:
    """Create or change a policy and (when given) replace its ladder; any invalid part refuses the whole.

    Clocks already running keep the terms and due instants they started with: only new clocks use the change.
    """
    policy = policy or SlaPolicy()
    for name, value in data.items():
        setattr(policy, name, value)
    validated_save(policy)
    if escalations is not None:
        policy.escalations.all().delete()
        for index, rung_data in enumerate(escalations):
            rung = SlaEscalation(policy=policy, **rung_data)
            try:
                rung.full_clean()
            except ValidationError as error:
                app_error = as_application_error(error)
                app_error.detail = {"escalations": {index: app_error.detail or [app_error.message]}}
                raise app_error from error
            rung.save()
    return policy
