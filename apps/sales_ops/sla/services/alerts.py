"""SLA alerts: the sender that e-mails each recipient their unsent notices, and the daily digest."""

import datetime as dt
import hashlib
from collections import defaultdict

from django.db import OperationalError, transaction
from django.db.models import Case, Min, Prefetch, Value, When, prefetch_related_objects
from django.utils import timezone

from apps.core import business_time
from apps.core.models import NotificationKind
from apps.core.permissions import team_of
from apps.core.selectors import calendar_schedules
from apps.core.services.outbox import OutgoingEmail, email_enqueue, email_enqueue_many
from apps.core.timezones import email_time, user_time_zone, zones_by_address
from apps.sales_ops.sla.models import (
    SlaClock,
    SlaDigestSubscription,
    SlaEvent,
    SlaNotice,
)
from apps.sales_ops.sla.services.ladders import Level, _hours

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
    Times are in each recipient's zone (an address that is nobody's: the clock's calendar zone).
    """
    theirs: dict[str, list[SlaNotice]] = defaultdict(list)
    for notice in notices:
        theirs[notice.recipient].append(notice)
    zones = zones_by_address(theirs)
    rows_by_clock: dict[tuple[int, str], dict] = {}
    emails = {}
    for address, told in theirs.items():
        zone = zones.get(address.lower())
        latest: dict[int, SlaNotice] = {}
        for notice in told:
            known = latest.get(notice.clock.pk)
            if known is None or _rank(notice.level) > _rank(known.level):
                latest[notice.clock.pk] = notice
        rows = []
        for notice in latest.values():
            clock = notice.clock
            schedule = schedules[clock.calendar_id]
            tz = zone or schedule.tz
            if (clock.pk, tz.key) not in rows_by_clock:
                rows_by_clock[clock.pk, tz.key] = _alert_row(clock, now, schedule, tz=tz)
            level = notice.level
            if level == Level.WARNING and clock.breached_at is not None:
                level = Level.BREACH.value  # it breached before this e-mail went out: say so, not "soon"
            elif level == Level.WARNING and clock.state == SlaClock.State.MET:
                level = MET  # it left the stage in time before this e-mail went out: no longer at risk
            rows.append({**rows_by_clock[clock.pk, tz.key], **_level(level)})
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
            "time_zone": ", ".join(sorted({row["time_zone"] for row in rows})),
        }
        emails[address] = OutgoingEmail(
            key=key, to=[address], template="sla_alert", context=context, kind=NotificationKind.SLA_ALERTS
        )
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


def _alert_row(clock: SlaClock, now: dt.datetime, schedule, *, tz) -> dict:
    """What an alert says of a clock, whatever the level: the lead, when it was due (in `tz`, the recipient's
    zone), and what became of it. Working time over or left is counted in the clock's own calendar."""
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
        # The name says what the agreement is for, the clock's own target how long (never a time in the name).
        "policy": clock.policy.name,
        "target": clock.target_text,
        "due_at": clock.due_at,
        # Written here, in the recipient's zone: a template would show it in the server's.
        "due": email_time(clock.due_at, tz),
        "time_zone": tz.key,
        "over": _hours(over) if over > dt.timedelta(0) else "",
        "left": _hours(-over) if over < dt.timedelta(0) else "",
        "link": f"/sales/leads/{lead.pk}/",
        **_outcome(clock, now, tz),
    }


def _outcome(clock: SlaClock, now: dt.datetime, tz) -> dict:
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
        return {"outcome": f"met: left the stage {email_time(clock.stopped_at, tz)}", "taken_away": False}
    return {"outcome": "", "taken_away": False}


def sla_digest_send(*, day: dt.date) -> int:
    """A morning e-mail to each subscribed manager listing their team's open breaches (once per day)."""
    sent = 0
    now = timezone.now()
    subscriptions = SlaDigestSubscription.objects.filter(active=True).select_related("user__territory__calendar")
    for subscription in subscriptions:
        manager = subscription.user
        tz = user_time_zone(manager)
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
        rows = [
            {**_alert_row(clock, now, schedules[clock.calendar_id], tz=tz), **_level(Level.BREACH)} for clock in clocks
        ]
        if not rows or not manager.email:
            continue
        with transaction.atomic():
            email_enqueue(
                key=f"sla-digest:{manager.pk}:{day.isoformat()}",
                to=[manager.email],
                template="sla_digest",
                # An SLA e-mail like the alerts: a manager who chose the daily digest finds it there.
                kind=NotificationKind.SLA_ALERTS,
                context={
                    "rows": rows,
                    "manager_name": manager.first_name or manager.username,
                    "day": f"{day:%a} {day.day} {day:%b}",
                },
            )
        sent += 1
    return sent
