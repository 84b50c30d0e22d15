"""The customer record both sides trust: accounts, contacts, leads with their lifecycle, opportunities."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.currencies import validate_currency
from apps.core.models.organisation import full_name

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 country code, e.g. DE.")


def normalize_domain(value: str) -> str:
    """'https://WWW.Example.com/about' -> 'example.com'."""
    value = (value or "").strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].rstrip(".")
    return value.removeprefix("www.")


def normalize_email(value: str) -> str:
    """Trim, and lower-case the domain part (the local part is kept as the person typed it)."""
    value = (value or "").strip()
    local, at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if at else value


class UniqueIgnoringCaseMixin:
    """Names the field when its case-insensitive unique constraint is hit (Django reports it unattached)."""

    unique_ignoring_case: str

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            field, value = self.unique_ignoring_case, getattr(self, self.unique_ignoring_case)
            if type(self)._default_manager.filter(**{f"{field}__iexact": value}).exclude(pk=self.pk).exists():
                label = self._meta.get_field(field).verbose_name
                message = f"A {self._meta.verbose_name} with the {label} '{value}' exists."
                raise ValidationError({field: message}) from error
            raise


class Segment(models.TextChoices):
    SMB = "smb", "SMB"
    MID_MARKET = "mid_market", "Mid-market"
    ENTERPRISE = "enterprise", "Enterprise"


class Account(UniqueIgnoringCaseMixin, models.Model):
    """A customer or prospect company. Its domain is its identity: normalised and unique."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, help_text="e.g. example.com; stored normalised")
    industry = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.SMB)
    country = models.CharField(max_length=2, blank=True, validators=[country_code_validator])
    employees = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    revenue_currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    territory = models.ForeignKey(
        "core.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    unique_ignoring_case = "domain"

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_keyset"),
            models.Index(fields=["created_at", "id"], name="account_created_keyset"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="account_domain_unique_ci"),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_revenue_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.domain})"

    def clean(self):
        super().clean()
        self.domain = normalize_domain(self.domain)
        if not _DOMAIN_RE.match(self.domain):
            raise ValidationError({"domain": f"'{self.domain}' is not a domain name such as example.com."})
        if self.country:
            self.country = self.country.upper()


class ConsentStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Contact(UniqueIgnoringCaseMixin, models.Model):
    """A person at an account, with the consent that decides whether anyone may e-mail them."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField("e-mail", max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email_opt_out = models.BooleanField(default=False, help_text="The person asked not to be e-mailed.")
    consent_status = models.CharField(max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN)
    consent_source = models.CharField(max_length=100, blank=True, help_text="e.g. web form, event badge scan")
    consent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()
    unique_ignoring_case = "email"

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_keyset"),
            models.Index(fields=["created_at", "id"], name="contact_created_keyset"),
        ]
        constraints = [models.UniqueConstraint(Lower("email"), name="contact_email_unique_ci")]

    # The one definition of "may be e-mailed", as a queryset filter and (below) for one contact.
    EMAILABLE = Q(email_opt_out=False) & ~Q(consent_status=ConsentStatus.WITHDRAWN)

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def can_be_emailed(self) -> bool:
        """Whether anyone (sales, marketing, automation) may e-mail this person."""
        return bool(self.email) and not self.email_opt_out and self.consent_status != ConsentStatus.WITHDRAWN

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)


class LeadStage(models.TextChoices):
    NEW = "new", "New"
    MQL = "mql", "Marketing qualified"
    SQL = "sql", "Sales qualified (handed to sales)"
    SAL = "sal", "Sales accepted"
    OPPORTUNITY = "opportunity", "Converted to opportunity"
    RECYCLED = "recycled", "Recycled to nurture"
    DISQUALIFIED = "disqualified", "Disqualified"


# The lifecycle: the only moves a lead may make. Services enforce it; nothing else changes `stage`.
LEAD_MOVES: dict[str, frozenset[str]] = {
    LeadStage.NEW: frozenset({LeadStage.MQL, LeadStage.DISQUALIFIED}),
    LeadStage.MQL: frozenset({LeadStage.SQL, LeadStage.RECYCLED, LeadStage.DISQUALIFIED}),
    LeadStage.SQL: frozenset({LeadStage.SAL, LeadStage.RECYCLED, LeadStage.DISQUALIFIED}),
    LeadStage.SAL: frozenset({LeadStage.OPPORTUNITY, LeadStage.RECYCLED, LeadStage.DISQUALIFIED}),
    LeadStage.OPPORTUNITY: frozenset(),
    LeadStage.RECYCLED: frozenset({LeadStage.MQL, LeadStage.DISQUALIFIED}),
    LeadStage.DISQUALIFIED: frozenset(),
}
STAGES_NEEDING_REASON = frozenset({LeadStage.RECYCLED, LeadStage.DISQUALIFIED})


class LeadSource(models.TextChoices):
    WEB = "web", "Website"
    EVENT = "event", "Event"
    WEBINAR = "webinar", "Webinar"
    CONTENT = "content", "Content download"
    PAID = "paid", "Paid media"
    REFERRAL = "referral", "Referral"
    PARTNER = "partner", "Partner"
    OUTBOUND = "outbound", "Outbound"
    OTHER = "other", "Other"


class Lead(models.Model):
    """Interest from a contact, moving from marketing to sales through `LEAD_MOVES`."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="leads")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="leads")
    source = models.CharField(max_length=20, choices=LeadSource.choices, default=LeadSource.WEB)
    score = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    stage = models.CharField(max_length=20, choices=LeadStage.choices, default=LeadStage.NEW)
    stage_reason = models.CharField(max_length=500, blank=True, help_text="Why it was recycled or disqualified")
    stage_changed_at = models.DateTimeField(default=timezone.now)
    stage_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["stage", "-stage_changed_at"]),
            # The lead list's sorts (apps/core/record_lists.py), each with the key that makes its keyset pages.
            models.Index(fields=["stage_changed_at", "id"], name="lead_moved_keyset"),
            models.Index(fields=["score", "id"], name="lead_score_keyset"),
            models.Index(fields=["created_at", "id"], name="lead_created_keyset"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="lead_score_at_most_100"),
            models.CheckConstraint(
                condition=~Q(stage__in=sorted(STAGES_NEEDING_REASON)) | ~Q(stage_reason=""),
                name="lead_recycled_or_disqualified_has_reason",
            ),
        ]

    def __str__(self):
        return f"Lead #{self.pk} · {self.contact_id and self.contact} · {self.get_stage_display()}"

    @property
    def allowed_moves(self) -> frozenset[str]:
        return LEAD_MOVES[self.stage]


class LeadTransition(models.Model):
    """One lifecycle move of a lead: from, to, who, when and why. Never edited."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=LeadStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=LeadStage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["lead", "at", "id"]

    def __str__(self):
        return f"{self.get_from_stage_display() or '∅'} → {self.get_to_stage_display()}"


class OpportunityStage(models.TextChoices):
    PROSPECTING = "prospecting", "Prospecting"
    QUALIFICATION = "qualification", "Qualification"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    CLOSED_WON = "closed_won", "Closed won"
    CLOSED_LOST = "closed_lost", "Closed lost"


STAGE_PROBABILITY = {
    OpportunityStage.PROSPECTING: 10,
    OpportunityStage.QUALIFICATION: 20,
    OpportunityStage.PROPOSAL: 50,
    OpportunityStage.NEGOTIATION: 75,
    OpportunityStage.CLOSED_WON: 100,
    OpportunityStage.CLOSED_LOST: 0,
}
CLOSED_STAGES = frozenset({OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST})


class Opportunity(models.Model):
    """A deal being worked: amount in its currency, stage with probability, close date, outcome."""

    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(max_length=3, validators=[validate_currency])
    stage = models.CharField(max_length=20, choices=OpportunityStage.choices, default=OpportunityStage.PROSPECTING)
    probability = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(100)])
    close_date = models.DateField()
    source_lead = models.OneToOneField(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunity"
    )
    lost_reason = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["owner", "stage"]),
            # The opportunity list's sorts, each with the key that makes its keyset pages.
            models.Index(fields=["close_date", "id"], name="opportunity_close_keyset"),
            models.Index(fields=["amount", "id"], name="opportunity_amount_keyset"),
            models.Index(fields=["created_at", "id"], name="opportunity_created_keyset"),
            models.Index(fields=["name", "id"], name="opportunity_name_keyset"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="opportunity_probability_at_most_100"),
            models.CheckConstraint(
                condition=~Q(stage=OpportunityStage.CLOSED_LOST) | ~Q(lost_reason=""),
                name="opportunity_lost_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.amount} {self.currency})"

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES
