"""Lead hand-off SLAs: policies as data, a clock per lead per governed stage, and what happened to it."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import dateformat, timezone
from simple_history.models import HistoricalRecords

from apps.core import business_time
from apps.core.models import BusinessCalendar, Lead, LeadStage, Territory
from apps.core.models.customers import LeadSource, Segment

# The stages an SLA can govern: the ones in which a lead waits on someone.
GOVERNED_STAGES = [
    (LeadStage.MQL.value, LeadStage.MQL.label),
    (LeadStage.SQL.value, LeadStage.SQL.label),
    (LeadStage.SAL.value, LeadStage.SAL.label),
]


# A time in a policy's name ("within 4 working hours", "48h", "5 business days"): the target says it already.
NAME_WITH_A_TIME = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:working\s+|business\s+|calendar\s+)?"
    r"(?:h|hrs?|hours?|d|days?|mins?|minutes?|wks?|weeks?)\b",
    re.IGNORECASE,
)


def deadline_passed(instant: dt.datetime, now: dt.datetime) -> bool:
    """The one rule for every SLA instant (warning, due, escalation): it has passed only once `now` is later.

    A lead that leaves its stage at the due instant itself has met it, and a scan at that same instant does
    not breach it. The scan asks this of each level it may fire; its query reads the same rule as
    `next_check_at < now`.
    """
    return now > instant


class SlaPolicy(models.Model):
    """An agreement on how long a lead may wait in a stage, who is told when, and what happens at the end.

    Policies are matched in `priority` order (then id); the first whose filters all fit the lead wins. An
    empty filter matches anything. The name says what the agreement is for ("Accept hand-offs"); how long it
    allows is the target's alone, so a name holding a time is refused: it would be a second copy of the target
    that goes wrong on the target's next edit. Pages and e-mails print the two side by side.
    """

    class Unit(models.TextChoices):
        HOURS = "hours", "working hours"
        DAYS = "days", "working days"

    class CalendarMode(models.TextChoices):
        TERRITORY = "territory", "the lead's territory calendar"
        FIXED = "fixed", "a fixed calendar"
        ALWAYS = "always", "around the clock (24/7)"

    class OnBreach(models.TextChoices):
        NOTHING = "nothing", "nothing more (only the e-mails)"
        RECYCLE = "recycle", "recycle the lead to marketing nurture"
        REASSIGN = "reassign", "reassign the lead to a queue owner"

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text="What the agreement is for, e.g. “Accept hand-offs”; no time in it: the target says how long",
    )
    active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(default=100, help_text="Lower is matched first")
    stage = models.CharField(max_length=20, choices=GOVERNED_STAGES)
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=LeadSource.choices, blank=True)
    score_min = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    score_max = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    target = models.PositiveIntegerField(validators=[MinValueValidator(1)], help_text="How long, in the unit below")
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.HOURS)
    warn_at_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(99)], help_text="Warn when this share is used"
    )
    calendar_mode = models.CharField(max_length=10, choices=CalendarMode.choices, default=CalendarMode.TERRITORY)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a fixed calendar; also used when the lead has no territory",
    )
    pause_reasons = models.JSONField(
        default=list, blank=True, help_text='Why a clock may be paused, e.g. ["waiting on the customer"]'
    )
    on_breach = models.CharField(max_length=10, choices=OnBreach.choices, default=OnBreach.NOTHING)
    queue_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who receives the lead when the breach action is to reassign",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="sla_policy_target_positive"),
            models.CheckConstraint(
                condition=Q(warn_at_percent__gt=0) & Q(warn_at_percent__lt=100), name="sla_policy_warn_before_due"
            ),
            models.CheckConstraint(
                condition=~Q(on_breach="reassign") | Q(queue_owner__isnull=False), name="sla_policy_reassign_has_owner"
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.target_text} in {self.get_stage_display()}"

    @property
    def target_text(self) -> str:
        """How long the policy allows, as pages and e-mails say it: '4 working hours'."""
        return f"{self.target} {self.get_unit_display()}"

    def clean(self):
        super().clean()
        errors = {}
        if self.name and (time := NAME_WITH_A_TIME.search(self.name)):
            errors["name"] = ValidationError(
                f"Leave “{time.group(0)}” out of the name: the target says how long, and pages and e-mails print it "
                "beside the name.",
                code="name_repeats_target",
            )
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            errors["score_max"] = "The score band ends below where it starts."
        if self.calendar_mode == self.CalendarMode.FIXED and not self.calendar_id:
            errors["calendar"] = "Choose the calendar to count in."
        if self.on_breach == self.OnBreach.REASSIGN and not self.queue_owner_id:
            errors["queue_owner"] = "Choose who receives the lead at final breach."
        if not isinstance(self.pause_reasons, list) or not all(
            isinstance(reason, str) and reason.strip() for reason in self.pause_reasons
        ):
            errors["pause_reasons"] = 'A list of reasons, e.g. ["waiting on the customer"].'
        if errors:
            raise ValidationError(errors)

    def matches(self, lead: Lead) -> bool:
        """Whether this policy governs `lead` in its current stage."""
        account = lead.account
        return (
            self.active
            and self.stage == lead.stage
            and (not self.segment or self.segment == account.segment)
            and (self.territory_id is None or self.territory_id == account.territory_id)
            and (not self.source or self.source == lead.source)
            and (self.score_min is None or lead.score >= self.score_min)
            and (self.score_max is None or lead.score <= self.score_max)
        )

    def schedule_for(self, lead: Lead) -> tuple[BusinessCalendar | None, business_time.Schedule]:
        """The calendar the lead's clock counts in (None for 24/7) and its schedule."""
        calendar = None
        if self.calendar_mode == self.CalendarMode.FIXED:
            calendar = self.calendar
        elif self.calendar_mode == self.CalendarMode.TERRITORY:
            territory = lead.account.territory
            calendar = territory.calendar if territory is not None else self.calendar
        if calendar is None:
            return None, business_time.always()
        return calendar, calendar.schedule()

    def due(self, schedule: business_time.Schedule, start: dt.datetime) -> dt.datetime:
        if self.unit == self.Unit.DAYS:
            return business_time.add_working_days(schedule, start, self.target)
        return business_time.add_working_time(schedule, start, dt.timedelta(hours=self.target))


_AFTER_BREACH_KEY = re.compile(r"after_breach\+(\d+)h")


def level_label(key: str) -> str:
    """A level as people read it: 'after_breach+8h' is "8 working hours after the breach" (notices, events and
    alerts record the key; pages and e-mails show this)."""
    after = _AFTER_BREACH_KEY.fullmatch(key or "")
    if after:
        return f"{after[1]} working hours after the breach"
    return {"warning": "At the warning point", "breach": "At the breach"}.get(key, key)


class SlaEscalation(models.Model):
    """One rung of a policy's ladder: at which level, whom to tell."""

    class Level(models.TextChoices):
        WARNING = "warning", "at the warning point"
        BREACH = "breach", "at breach"
        AFTER_BREACH = "after_breach", "some working hours after breach"

    class Recipient(models.TextChoices):
        OWNER = "owner", "the lead's owner"
        MANAGER = "manager", "the owner's manager"
        SECOND_MANAGER = "second_manager", "the manager's manager"
        ADDRESS = "address", "an e-mail address (e.g. sales ops)"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=20, choices=Level.choices)
    hours_after_breach = models.PositiveIntegerField(
        null=True, blank=True, help_text="For 'after breach': how many working hours after the due instant"
    )
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    email = models.EmailField(blank=True, help_text="For 'an e-mail address'")

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = "escalation"
        verbose_name_plural = "escalation ladder"
        constraints = [
            models.CheckConstraint(
                condition=~Q(recipient="address") | ~Q(email=""), name="sla_escalation_address_has_email"
            ),
            models.CheckConstraint(
                condition=~Q(level="after_breach") | Q(hours_after_breach__gt=0),
                name="sla_escalation_after_breach_has_delay",
            ),
        ]

    def __str__(self):
        whom = self.email if self.recipient == self.Recipient.ADDRESS else self.get_recipient_display()
        return f"{level_label(self.level_key)}: {whom}"

    def clean(self):
        super().clean()
        if self.recipient == self.Recipient.ADDRESS and not self.email:
            raise ValidationError({"email": "An escalation to an address needs the address: it would reach nobody."})
        if self.recipient != self.Recipient.ADDRESS and self.email:
            raise ValidationError({"email": "Only an escalation to an address takes one."})
        if self.level == self.Level.AFTER_BREACH and not self.hours_after_breach:
            raise ValidationError({"hours_after_breach": "Say how many working hours after breach."})
        if self.level != self.Level.AFTER_BREACH and self.hours_after_breach:
            raise ValidationError({"hours_after_breach": "Only 'after breach' takes a delay."})

    @property
    def level_key(self) -> str:
        """The level as notices record it: 'warning', 'breach', or 'after_breach+8h'."""
        return f"{self.level}+{self.hours_after_breach}h" if self.level == self.Level.AFTER_BREACH else self.level


class SlaClock(models.Model):
    """The time a lead has in one governed stage. Its policy, calendar, terms and budget are fixed at start.

    `target`, `unit` and `warn_at_percent` are the policy's terms when the clock started: a later edit of the
    policy changes new clocks only, and pages, API and e-mails show what this clock runs on. `budget` is the
    working time the target allows; pauses stop the count and a resume places the due instant where the rest
    of the budget runs out. `next_check_at` is when the scan must next look at the clock (the warning point,
    the due instant, or an escalation after breach); null when nothing is left.
    """

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        MET = "met", "Met"
        BREACHED = "breached", "Breached"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_clocks")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    stage = models.CharField(max_length=20, choices=GOVERNED_STAGES)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: counted around the clock",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    target = models.PositiveIntegerField(help_text="The policy's target when the clock started, in `unit`")
    unit = models.CharField(max_length=10, choices=SlaPolicy.Unit.choices)
    warn_at_percent = models.PositiveSmallIntegerField(help_text="The policy's warning point when the clock started")
    started_at = models.DateTimeField()
    budget = models.DurationField(help_text="Working time the target allows")
    used_before_pause = models.DurationField(default=dt.timedelta(0))
    counting_since = models.DateTimeField(help_text="Start of the current run (after the last resume)")
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=200, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    levels_done = models.JSONField(default=list, blank=True, help_text="Levels the scan has handled")

    class Meta:
        ordering = ["due_at"]
        verbose_name = "SLA clock"
        verbose_name_plural = "SLA clocks"
        indexes = [
            # The scan reads open clocks by their next check; nothing else, whatever the number of clocks.
            models.Index(
                fields=["next_check_at"], name="sla_clock_next_check", condition=Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["state", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "stage"], condition=Q(stopped_at__isnull=True), name="sla_clock_one_open_per_stage"
            ),
            models.CheckConstraint(condition=Q(warn_at__lte=models.F("due_at")), name="sla_clock_warn_before_due"),
        ]

    def __str__(self):
        return f"{self.lead} · {self.get_stage_display()} · {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def target_text(self) -> str:
        """What the clock runs on, as pages and e-mails say it: '4 working hours'."""
        return f"{self.target} {self.get_unit_display()}"

    def is_overdue(self, now: dt.datetime) -> bool:
        """Whether the due instant has passed (`deadline_passed`), whatever the scan has seen so far.

        A paused clock is judged at the instant its count stopped: paused in time, it cannot run out while
        paused; paused after its due instant, it stays overdue.
        """
        if self.breached_at is not None:
            return True
        counted_to = self.paused_at if self.state == self.State.PAUSED and self.paused_at else now
        return deadline_passed(self.due_at, counted_to)

    def schedule(self) -> business_time.Schedule:
        return self.calendar.schedule() if self.calendar_id else business_time.always()

    def time_left(
        self, now: dt.datetime | None = None, *, schedule: business_time.Schedule | None = None
    ) -> dt.timedelta:
        """Working time left before the due instant (negative when over, frozen while paused).

        Pass `schedule` when looking at many clocks, so that each calendar is read once.
        """
        if self.state == self.State.PAUSED:
            return self.budget - self.used_before_pause
        return business_time.working_time_between(schedule or self.schedule(), now or timezone.now(), self.due_at)


class SlaEvent(models.Model):
    """What happened to a clock and when: start, pause, resume, warning, breach, escalation, stop."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breached"
        ESCALATION = "escalation", "Escalated"
        MET = "met", "Stopped: met"
        STOPPED_BREACHED = "stopped_breached", "Stopped: breached"
        RECYCLED = "recycled", "Recycled at final breach"
        REASSIGNED = "reassigned", "Reassigned at final breach"

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["clock", "at", "id"]
        verbose_name = "SLA event"
        verbose_name_plural = "SLA events"

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def detail_text(self) -> str:
        """The detail as people read it: a level in words, a due instant in the current time zone (the clock
        services write "due 2026-11-23 14:00 UTC"), anything else as written."""
        if self.kind in (self.Kind.WARNING, self.Kind.BREACH, self.Kind.ESCALATION):
            return level_label(self.detail)
        due = _DUE_DETAIL.fullmatch(self.detail or "")
        if due:
            instant = dt.datetime.strptime(due[1], "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
            return "due " + dateformat.format(timezone.localtime(instant), "D j M, H:i T")
        return self.detail


_DUE_DETAIL = re.compile(r"due (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


class SlaNotice(models.Model):
    """That one recipient was told about one clock at one level: the unit of exactly-once alerting."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="notices")
    level = models.CharField(max_length=30)
    recipient = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    email = models.ForeignKey("core.EmailMessage", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "SLA notice"
        verbose_name_plural = "SLA notices"
        constraints = [
            models.UniqueConstraint(fields=["clock", "level", "recipient"], name="sla_notice_once_per_recipient")
        ]

    def __str__(self):
        return f"{level_label(self.level)} → {self.recipient}"


class SlaDigestSubscription(models.Model):
    """A manager's choice to get a daily digest of their team's open breaches."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sla_digest")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "SLA digest subscription"
        verbose_name_plural = "SLA digest subscriptions"

    def __str__(self):
        return f"Daily SLA digest for {self.user}"
