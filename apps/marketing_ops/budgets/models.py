"""Campaign budgets: campaigns, quarterly envelopes, the spend ledger, exchange rates, touches and alerts.

Money is Decimal in the company currency (`settings.COMPANY_CURRENCY`) unless a field says otherwise. A spend
entry keeps its own amount and currency and, beside them, the rate it was converted at and the exact product.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.currencies import validate_currency
from apps.core.models.customers import Segment
from apps.core.quarters import validate_quarter

# Amounts as people write them: up to 999,999,999,999.99.
MONEY = {"max_digits": 14, "decimal_places": 2}
# A converted amount is an amount (2 places) times a rate (8 places): 10 places hold the product exactly.
EXACT = {"max_digits": 24, "decimal_places": 10}
RATE = {"max_digits": 18, "decimal_places": 8}
# A sum of exact amounts: the same 10 places, room for a million lines of the largest amount.
TOTAL = {"max_digits": 30, "decimal_places": 10}


class Channel(models.TextChoices):
    PAID_SEARCH = "paid_search", "Paid search"
    PAID_SOCIAL = "paid_social", "Paid social"
    EVENTS = "events", "Events"
    WEBINARS = "webinars", "Webinars"
    CONTENT_SYNDICATION = "content_syndication", "Content syndication"
    EMAIL = "email", "E-mail"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"


class Team(models.Model):
    """A marketing team that holds budget envelopes (e.g. demand generation, field marketing).

    Its own small model rather than a sales territory or a manager's reports: marketing budgets are owned by
    marketing teams, which neither the sales territories nor the (sales-shaped) manager chain describe.
    """

    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="marketing_teams"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BudgetEnvelope(models.Model):
    """What one team may spend on one channel in one quarter. Campaigns draw their planned amounts from it.

    `amount` changes only through the budget services, each change a `BudgetMove`.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="envelopes")
    channel = models.CharField(max_length=30, choices=Channel.choices)
    quarter = models.CharField(max_length=7, validators=[validate_quarter], help_text="e.g. 2026-Q2")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter", "team", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["team", "channel", "quarter"], name="budget_envelope_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_envelope_not_negative"),
        ]

    def __str__(self):
        return f"{self.team} · {self.get_channel_display()} · {self.quarter}"


class Program(models.Model):
    """A group of campaigns run under one theme (e.g. 'Launch of the 2026 platform')."""

    name = models.CharField(max_length=200, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


CAMPAIGN_MOVES: dict[str, frozenset[str]] = {
    CampaignStatus.PLANNED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CANCELLED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED}),
    CampaignStatus.COMPLETED: frozenset(),
    CampaignStatus.CANCELLED: frozenset(),
}


class Campaign(models.Model):
    """A marketing campaign: what it targets and expects, when it runs, and the money planned for it.

    `planned_amount` is drawn from `envelope` and changes only through the budget services. The three
    thresholds say when its owner and marketing ops are told: at `warn_at_percent` and `over_at_percent` of
    the plan used (committed and actual), and when the projection exceeds the plan by `projected_over_percent`.
    """

    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=30, choices=Channel.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns")
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    start_date = models.DateField()
    end_date = models.DateField()
    fiscal_quarter = models.CharField(
        max_length=7, validators=[validate_quarter], help_text="The quarter whose budget it draws, e.g. 2026-Q2"
    )
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    region = models.ForeignKey(
        "core.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Territory"
    )
    expected_leads = models.PositiveIntegerField(default=0)
    expected_pipeline = models.DecimalField(**MONEY, default=Decimal(0), validators=[MinValueValidator(Decimal(0))])
    envelope = models.ForeignKey(
        BudgetEnvelope, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    planned_amount = models.DecimalField(**MONEY, default=Decimal(0), validators=[MinValueValidator(Decimal(0))])
    warn_at_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(1000)], help_text="% of plan used"
    )
    over_at_percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(1000)], help_text="% of plan used"
    )
    projected_over_percent = models.PositiveSmallIntegerField(
        default=10, validators=[MaxValueValidator(1000)], help_text="Projected spend over plan by more than this %"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["fiscal_quarter", "channel"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(planned_amount__gte=0), name="campaign_planned_not_negative"),
            models.CheckConstraint(
                condition=Q(envelope__isnull=False) | Q(planned_amount=0), name="campaign_plan_needs_envelope"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The campaign ends before it starts."})
        envelope = self.envelope if self.envelope_id else None
        if envelope is not None and envelope.channel != self.channel:
            raise ValidationError(
                {
                    "envelope": f"The envelope is for {envelope.get_channel_display()}, the campaign is "
                    f"{self.get_channel_display()}."
                }
            )
        if envelope is not None and envelope.quarter != self.fiscal_quarter:
            raise ValidationError(
                {
                    "envelope": f"The envelope is for {envelope.quarter}, the campaign's budget quarter is "
                    f"{self.fiscal_quarter}."
                }
            )


class SpendKind(models.TextChoices):
    COMMITTED = "committed", "Committed (purchase order)"
    ACTUAL = "actual", "Actual (invoice)"


class SpendEntry(models.Model):
    """One line of the spend ledger: a purchase order, an invoice, or a credit note (a negative invoice).

    Never edited: a mistake is corrected by a credit note. `company_amount` is `amount × rate`, exact. An
    invoice that settles a purchase order says how much of it (`settles_amount`, in the order's currency);
    `settled_company_amount` is that at the order's rate, the commitment it releases.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        API = "api", "API"
        IMPORT = "import", "Finance import"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="spend")
    kind = models.CharField(max_length=10, choices=SpendKind.choices)
    is_credit_note = models.BooleanField(default=False)
    vendor = models.CharField(max_length=200)
    spent_on = models.DateField("date")
    description = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    rate = models.DecimalField(**RATE)
    company_amount = models.DecimalField(**EXACT)
    settles = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="settlements", help_text="Order settled"
    )
    settles_amount = models.DecimalField(**MONEY, null=True, blank=True)
    settled_company_amount = models.DecimalField(**EXACT, default=Decimal(0))
    external_ref = models.CharField(max_length=100, null=True, blank=True, help_text="Finance's reference")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "spend entries"
        indexes = [models.Index(fields=["campaign", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["external_ref"], name="spend_external_ref_unique"),
            models.CheckConstraint(
                condition=Q(is_credit_note=False, amount__gt=0) | Q(is_credit_note=True, kind="actual", amount__lt=0),
                name="spend_positive_unless_credit_note",
            ),
            models.CheckConstraint(
                condition=Q(settles__isnull=True) | Q(kind="actual", is_credit_note=False, settles_amount__gt=0),
                name="spend_only_invoices_settle",
            ),
        ]

    def __str__(self):
        label = "Credit note" if self.is_credit_note else self.get_kind_display()
        return f"{label}: {self.vendor} {self.amount} {self.currency}"


class CampaignSpendTotals(models.Model):
    """A campaign's ledger summed, kept by the spend services as each line is posted: what pages read.

    `committed` is the purchase orders less what invoices settled of them (`settled_company_amount`), `actual`
    the invoices less the credit notes, both in the company currency and unrounded, exactly what summing the
    campaign's `SpendEntry` rows gives (`selectors.spend_totals_recomputed`, the check). A campaign with no
    spend yet has no row, and reads as zero. Only `services.spend` writes it, under the campaign's lock.

    A table of its own rather than columns on `Campaign`: a campaign is saved whole by its admin form and
    its services, and tracked by simple-history; totals on it would be overwritten by any save made from a copy
    read before a posting, and each posting would add a history row.
    """

    campaign = models.OneToOneField(Campaign, primary_key=True, on_delete=models.CASCADE, related_name="spend_totals")
    committed = models.DecimalField(**TOTAL, default=Decimal(0), help_text="Orders less what invoices settled")
    actual = models.DecimalField(**TOTAL, default=Decimal(0), help_text="Invoices less credit notes")

    class Meta:
        verbose_name_plural = "campaign spend totals"

    def __str__(self):
        return f"{self.campaign_id}: committed {self.committed}, actual {self.actual}"


class BudgetMove(models.Model):
    """Money moved in the plan: who, when, why. The plan's history is these rows; amounts are never edited.

    `allocate` and `release` move money between an envelope and a campaign; `transfer` from one campaign to
    another; `envelope_transfer` between envelopes; `envelope_change` is finance growing or shrinking one.
    """

    class Kind(models.TextChoices):
        ALLOCATE = "allocate", "Allocated to a campaign"
        RELEASE = "release", "Released to the envelope"
        TRANSFER = "transfer", "Moved between campaigns"
        ENVELOPE_TRANSFER = "envelope_transfer", "Moved between envelopes"
        ENVELOPE_CHANGE = "envelope_change", "Envelope changed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    from_envelope = models.ForeignKey(
        BudgetEnvelope, null=True, blank=True, on_delete=models.PROTECT, related_name="moves_out"
    )
    to_envelope = models.ForeignKey(
        BudgetEnvelope, null=True, blank=True, on_delete=models.PROTECT, related_name="moves_in"
    )
    from_campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_move_positive")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount}"


class CampaignTouch(models.Model):
    """A person responded to a campaign: a lead (and its contact) or a contact with no lead yet, and when."""

    class Response(models.TextChoices):
        RESPONDED = "responded", "Responded"
        REGISTERED = "registered", "Registered"
        ATTENDED = "attended", "Attended"
        CLICKED = "clicked", "Clicked"
        DOWNLOADED = "downloaded", "Downloaded"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="touches")
    contact = models.ForeignKey("core.Contact", on_delete=models.CASCADE, related_name="campaign_touches")
    lead = models.ForeignKey(
        "core.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="campaign_touches"
    )
    response = models.CharField(max_length=20, choices=Response.choices, default=Response.RESPONDED)
    touched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-touched_at", "-id"]
        verbose_name_plural = "campaign touches"
        indexes = [models.Index(fields=["lead", "touched_at"]), models.Index(fields=["contact", "touched_at"])]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact", "touched_at"], name="campaign_touch_unique"),
        ]

    def __str__(self):
        return f"{self.contact} · {self.campaign} · {self.get_response_display()}"

    def clean(self):
        super().clean()
        if self.lead_id and self.contact_id and self.lead.contact_id != self.contact_id:
            raise ValidationError({"lead": "This lead belongs to another contact."})


class BudgetAlert(models.Model):
    """A campaign crossed one threshold, the `crossing`-th time: the unit of exactly-once budget e-mails.

    It stays open while the campaign is over the threshold and is cleared when it drops below; the next
    crossing is a new row. Unique per campaign, threshold and crossing, and at most one open per threshold.
    """

    class Threshold(models.TextChoices):
        WARN = "warn", "Plan used past the warning point"
        OVER = "over", "Plan used up"
        PROJECTED = "projected", "Projected overspend"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="alerts")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    crossing = models.PositiveIntegerField()
    figures = models.JSONField(default=dict, help_text="The campaign's figures when it crossed")
    crossed_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey("core.EmailMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-crossed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "threshold", "crossing"], name="budget_alert_once_per_crossing"
            ),
            models.UniqueConstraint(
                fields=["campaign", "threshold"], condition=Q(cleared_at__isnull=True), name="budget_alert_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.campaign}: {self.get_threshold_display()} (#{self.crossing})"
