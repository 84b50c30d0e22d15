"""Read paths of sales ops: SLA clocks as each role may see them, and what the SLA pages show."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import ExtractIsoYear, ExtractWeek
from django.utils import timezone

from apps.core import business_time
from apps.core.models import Lead, LeadStage, LeadTransition, User
from apps.core.models.organisation import full_name
from apps.core.permissions import owned_by_visible, visible_leads
from apps.core.selectors import calendar_schedules
from apps.core.stats import hours_minutes, percentile
from apps.sales_ops.models import SlaClock, SlaEvent


def clock_list(*, user: User) -> QuerySet[SlaClock]:
    """Clocks of the leads `user` may see (own, team's, or all for ops), with lead, owner and policy joined."""
    clocks = SlaClock.objects.select_related("policy", "lead__owner", "lead__account", "lead__contact")
    return owned_by_visible(clocks, user, "lead__owner")


# --- portal pages: My leads, the lead page, the team view, compliance -----------------------------

# Leads that wait on sales: handed off (sql) and accepted (sal).
OPEN_LEAD_STAGES = (LeadStage.SQL, LeadStage.SAL)


@dataclass(frozen=True)
class Countdown:
    """An open clock's time left as the pages show it, in working time, with its colour cue.

    `amber_below` is the working time from the warning to the due instant: the cue turns amber once less than
    that is left. `overdue` is the SLA's own rule (`SlaClock.is_overdue`): at the due instant itself the lead
    is still in time, and after it the clock is over even while no working time passes (a night, a weekend).
    `tick_for` is how long the time left keeps falling from now (the rest of the current working window; zero
    while paused or outside working hours), so that the page's ticker stops where counting stops.
    """

    state: str
    left: dt.timedelta
    amber_below: dt.timedelta
    tick_for: dt.timedelta
    overdue: bool

    @property
    def over(self) -> bool:
        return self.overdue

    @property
    def cue(self) -> str:
        if self.state == SlaClock.State.BREACHED or self.over:
            return "red"
        if self.state == SlaClock.State.PAUSED:
            return "paused"
        return "amber" if self.left <= self.amber_below else "green"

    @property
    def left_seconds(self) -> int:
        """The time left in whole seconds, cut toward zero as `text` cuts its minutes: the page's ticker starts
        from this, so its first minute must show the minute the server wrote (12,599.6 s rounded up to 12,600
        made the ticker's first tick repeat "3 h 29 min")."""
        return int(self.left.total_seconds())

    @property
    def text(self) -> str:
        text = f"{hours_minutes(-self.left)} over" if self.over else f"{hours_minutes(self.left)} left"
        return f"{text} (paused)" if self.state == SlaClock.State.PAUSED else text


@dataclass(frozen=True)
class LeadRow:
    """A lead with its open clock in its current stage (if the stage is governed) and that clock's countdown.

    `last_clock` is the lead's latest stopped clock, for a lead whose stage has no clock of its own (an
    accepted lead shows whether it was accepted in time).
    """

    lead: Lead
    clock: SlaClock | None
    countdown: Countdown | None
    last_clock: SlaClock | None = None


@dataclass(frozen=True)
class ClockRow:
    clock: SlaClock
    countdown: Countdown | None


class _Schedules(dict):
    """Each calendar's schedule, read once per page (None: around the clock), and where its working window ends.

    `SlaClock.schedule()` reads its calendar for every clock; a page of clocks reads each calendar once here.
    """

    def __init__(self, calendar_ids, now: dt.datetime):
        super().__init__(calendar_schedules(calendar_ids))
        self.now, self.window_ends = now, {}

    def working_left_now(self, calendar_id) -> dt.timedelta:
        """Working time from now to the end of the current working window (at most a day; 0 outside one)."""
        if calendar_id not in self.window_ends:
            self.window_ends[calendar_id] = _window_left(self[calendar_id], self.now)
        return self.window_ends[calendar_id]

    def countdown(self, clock: SlaClock) -> Countdown | None:
        """The countdown of an open clock (None for a stopped one)."""
        if not clock.is_open:
            return None
        schedule = self[clock.calendar_id]
        left = clock.time_left(self.now, schedule=schedule)
        paused = clock.state == SlaClock.State.PAUSED
        tick_for = dt.timedelta(0) if paused else self.working_left_now(clock.calendar_id)
        amber_below = business_time.working_time_between(schedule, clock.warn_at, clock.due_at)
        return Countdown(
            state=clock.state,
            left=left,
            amber_below=amber_below,
            tick_for=tick_for,
            overdue=clock.is_overdue(self.now),
        )


def _window_left(schedule: business_time.Schedule, now: dt.datetime) -> dt.timedelta:
    """How long from `now` the schedule works without a break (capped at a day), to the minute."""
    day = dt.timedelta(days=1)
    if not business_time.is_working_time(schedule, now):
        return dt.timedelta(0)
    if business_time.working_time_between(schedule, now, now + day) == day:
        return day
    low, high = 0, 24 * 60  # [now, now + low min] is all working time, [now, now + high min] is not
    while high - low > 1:
        middle = (low + high) // 2
        span = dt.timedelta(minutes=middle)
        if business_time.working_time_between(schedule, now, now + span) == span:
            low = middle
        else:
            high = middle
    return dt.timedelta(minutes=low)


def my_leads(*, user: User, stage: str | None = None) -> QuerySet[Lead]:
    """The handed-off and accepted leads `user` may see, most urgent first; leads without a clock last.

    Ordered in the database by the due instant of the lead's open clock: the same order as working time
    left within one calendar, and close to it across calendars, so that a page never reads every lead.
    """
    stages = [stage] if stage in OPEN_LEAD_STAGES else list(OPEN_LEAD_STAGES)
    open_clock_due = SlaClock.objects.filter(
        lead_id=OuterRef("pk"), stage=OuterRef("stage"), stopped_at__isnull=True
    ).values("due_at")[:1]
    # No joins here: ordering a rep's thousands of open leads joined to their accounts and contacts made the
    # database hash-join the whole account table for one page; `my_lead_rows` joins the page's fifty instead.
    return (
        visible_leads(user)
        .filter(stage__in=stages)
        .annotate(due_at=Subquery(open_clock_due))
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def my_lead_rows(leads, *, now: dt.datetime) -> list[LeadRow]:
    """One page of `my_leads` with each lead's owner, account, contact, clock and countdown, in a fixed number of
    queries whatever the page's size."""
    page = list(leads)
    joined = Lead.objects.select_related("owner", "account", "contact").in_bulk([lead.pk for lead in page])
    leads = []
    for lead in page:
        full = joined[lead.pk]
        full.due_at = getattr(lead, "due_at", None)
        leads.append(full)
    prefetch_related_objects(
        leads,
        Prefetch(
            "sla_clocks",
            queryset=SlaClock.objects.select_related("policy").order_by("started_at", "id"),
            to_attr="all_clocks",
        ),
    )
    schedules = _Schedules({clock.calendar_id for lead in leads for clock in lead.all_clocks if clock.is_open}, now)
    rows = []
    for lead in leads:
        clock = next((clock for clock in lead.all_clocks if clock.is_open and clock.stage == lead.stage), None)
        stopped = [clock for clock in lead.all_clocks if not clock.is_open]
        rows.append(
            LeadRow(
                lead=lead,
                clock=clock,
                countdown=schedules.countdown(clock) if clock else None,
                last_clock=stopped[-1] if stopped else None,
            )
        )
    return rows


def lead_clock_rows(*, user: User, lead: Lead, now: dt.datetime) -> list[ClockRow]:
    """Every SLA clock of one lead, oldest first, each with its countdown while it runs."""
    clocks = list(clock_list(user=user).filter(lead=lead).select_related("calendar").order_by("started_at", "id"))
    schedules = _Schedules({clock.calendar_id for clock in clocks if clock.is_open}, now)
    return [ClockRow(clock=clock, countdown=schedules.countdown(clock)) for clock in clocks]


def lead_sla_events(*, lead: Lead) -> QuerySet[SlaEvent]:
    """The timeline of a lead's SLA clocks: every event, in the order it happened."""
    return SlaEvent.objects.filter(clock__lead=lead).select_related("clock", "actor").order_by("at", "id")


def team_attention_rows(*, user: User, now: dt.datetime) -> list[ClockRow]:
    """Open clocks of the leads `user` may see that are past their warning instant or breached, by owner.

    A running clock past its due instant that the scan has not reached yet counts as breached (its cue is red).
    """
    clocks = list(
        clock_list(user=user)
        .filter(stopped_at__isnull=True)
        # Past the warning instant as the scan reads it (`deadline_passed`): strictly before now.
        .filter(Q(state=SlaClock.State.BREACHED) | Q(state=SlaClock.State.RUNNING, warn_at__lt=now))
    )
    schedules = _Schedules({clock.calendar_id for clock in clocks}, now)
    rows = [ClockRow(clock=clock, countdown=schedules.countdown(clock)) for clock in clocks]
    rows.sort(key=lambda row: (_person_key(row.clock.lead.owner), row.countdown.left, row.clock.pk))
    return rows


def _person_key(user: User | None) -> tuple:
    return (user is None, str(user).lower() if user else "", user.pk if user else 0)


# --- compliance ----------------------------------------------------------------------------------

_MET = Count("id", filter=Q(state=SlaClock.State.MET))


@dataclass
class ComplianceLine:
    """Stopped clocks of one rep, team or week: how many, how many met, and the times to accept."""

    key: object
    label: str
    total: int = 0
    met: int = 0
    times_to_accept: list[dt.timedelta] = field(default_factory=list)

    @property
    def met_percent(self) -> float:
        return 100 * self.met / self.total if self.total else 0.0

    @property
    def median(self) -> dt.timedelta | None:
        return percentile(self.times_to_accept, 50)

    @property
    def p90(self) -> dt.timedelta | None:
        return percentile(self.times_to_accept, 90)

    @property
    def median_text(self) -> str:
        return hours_minutes(self.median) if self.times_to_accept else "—"

    @property
    def p90_text(self) -> str:
        return hours_minutes(self.p90) if self.times_to_accept else "—"


def sla_compliance(*, since: dt.datetime | None = None) -> dict:
    """How sales met the hand-off SLA: stopped clocks of stage sql that started since `since`.

    % met by rep (the lead's owner), by team (the owner's territory, else the owner's manager) and by the ISO
    week the clock started; and the working time from hand-off to acceptance (clocks whose lead left sql into
    sal), overall, by rep and by team. Counts are aggregated in the database; the times are measured in Python
    in each clock's calendar, over one values query. The query count does not depend on the number of clocks.
    """
    clocks = SlaClock.objects.filter(stage=LeadStage.SQL, stopped_at__isnull=False)
    if since is not None:
        clocks = clocks.filter(started_at__gte=since)
    owner = ("lead__owner_id", "lead__owner__username", "lead__owner__first_name", "lead__owner__last_name")
    team = (
        "lead__owner__territory_id",
        "lead__owner__territory__name",
        "lead__owner__manager_id",
        "lead__owner__manager__username",
        "lead__owner__manager__first_name",
        "lead__owner__manager__last_name",
    )
    by_rep: dict[object, ComplianceLine] = {}
    by_team: dict[object, ComplianceLine] = {}
    for row in clocks.values(*owner, *team).annotate(total=Count("id"), met=_MET).order_by():
        for lines, key, label in ((by_rep, *_rep_of(row)), (by_team, *_team_of(row))):
            line = lines.setdefault(key, ComplianceLine(key=key, label=label))
            line.total += row["total"]
            line.met += row["met"]

    by_week = {
        (row["year"], row["week"]): ComplianceLine(
            key=(row["year"], row["week"]), label=f"{row['year']}-W{row['week']:02d}", **_counts(row)
        )
        for row in clocks.annotate(year=ExtractIsoYear("started_at"), week=ExtractWeek("started_at"))
        .values("year", "week")
        .annotate(total=Count("id"), met=_MET)
        .order_by("year", "week")
    }

    overall = ComplianceLine(key=None, label="All", **_counts(clocks.aggregate(total=Count("id"), met=_MET)))
    accepted = clocks.filter(
        Exists(
            LeadTransition.objects.filter(
                lead_id=OuterRef("lead_id"),
                from_stage=LeadStage.SQL,
                to_stage=LeadStage.SAL,
                at=OuterRef("stopped_at"),
            )
        )
    ).values("calendar_id", "started_at", "stopped_at", *owner, *team)
    accepted = list(accepted)
    schedules = _Schedules({row["calendar_id"] for row in accepted}, timezone.now())
    for row in accepted:
        took = business_time.working_time_between(schedules[row["calendar_id"]], row["started_at"], row["stopped_at"])
        overall.times_to_accept.append(took)
        by_rep[_rep_of(row)[0]].times_to_accept.append(took)
        by_team[_team_of(row)[0]].times_to_accept.append(took)
        # The same week the database gave the clock: ISO week of the start in the current time zone.
        by_week[timezone.localtime(row["started_at"]).isocalendar()[:2]].times_to_accept.append(took)

    return {
        "overall": overall,
        "by_rep": sorted(by_rep.values(), key=lambda line: line.label.lower()),
        "by_team": sorted(by_team.values(), key=lambda line: line.label.lower()),
        "by_week": list(by_week.values()),
    }


def _counts(row: dict) -> dict:
    return {"total": row["total"] or 0, "met": row["met"] or 0}


def _rep_of(row: dict) -> tuple[object, str]:
    if row["lead__owner_id"] is None:
        return None, "Nobody (owner removed)"
    name = full_name(row["lead__owner__first_name"], row["lead__owner__last_name"])
    return row["lead__owner_id"], name or row["lead__owner__username"]


def _team_of(row: dict) -> tuple[object, str]:
    if row["lead__owner__territory_id"] is not None:
        return ("territory", row["lead__owner__territory_id"]), row["lead__owner__territory__name"]
    if row["lead__owner__manager_id"] is not None:
        name = full_name(row["lead__owner__manager__first_name"], row["lead__owner__manager__last_name"])
        return ("manager", row["lead__owner__manager_id"]), f"Team of {name or row['lead__owner__manager__username']}"
    return ("none", None), "No team"
