"""The deal desk: requests for non-standard terms, the approval matrix as data, routes, decisions and a timeline."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.currencies import validate_currency
from apps.core.models import Opportunity, Territory
from apps.core.models.customers import Segment
from apps.core.models.records import ImmutableRecord

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}
CENT = Decimal("0.01")


class PaymentTerms(models.TextChoices):
    NET_30 = "net_30", "Net 30"
    NET_45 = "net_45", "Net 45"
    NET_60 = "net_60", "Net 60"
    NET_90 = "net_90", "Net 90"
    CUSTOM = "custom", "Custom"


class BillingFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually"
    UPFRONT = "upfront", "Up front, whole term"


class DealFlag(models.TextChoices):
    """Non-standard clauses a request may ask for; each is a boolean field of `DealRequest`."""

    CUSTOM_LEGAL_TERMS = "custom_legal_terms", "Custom legal terms"
    RAMPED_PRICING = "ramped_pricing", "Ramped pricing"
    FREE_MONTHS = "free_months", "Free months"
    RENEWAL_CAP_OUT_OF_POLICY = "renewal_cap_out_of_policy", "Out-of-policy renewal cap"


def discount_percent(list_amount: Decimal, net_amount: Decimal) -> Decimal:
    """(list − net) / list as a percent, rounded half up to 0.01 (the figure rules compare and people read)."""
    if not list_amount:
        return Decimal(0)
    return ((list_amount - net_amount) * 100 / list_amount).quantize(CENT, rounding=ROUND_HALF_UP)


class DealRequest(models.Model):
    """A rep's request for non-standard price or terms on one of their opportunities.

    `revision` counts submissions: each routes the request again, and its steps carry that revision.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Under review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RECALLED = "recalled", "Recalled"
        EXPIRED = "expired", "Expired"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="deal_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deal_requests")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    list_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(CENT)])
    net_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(max_length=3, validators=[validate_currency])
    discount_percent = models.DecimalField(**PERCENT, editable=False, default=Decimal(0))
    term_months = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(120)])
    payment_terms = models.CharField(max_length=10, choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    custom_payment_terms = models.CharField(max_length=200, blank=True, help_text="When the payment terms are custom")
    billing_frequency = models.CharField(
        max_length=10, choices=BillingFrequency.choices, default=BillingFrequency.ANNUALLY
    )
    custom_legal_terms = models.BooleanField(default=False)
    ramped_pricing = models.BooleanField(default=False)
    free_months = models.BooleanField(default=False)
    renewal_cap_out_of_policy = models.BooleanField(default=False)
    justification = models.TextField(max_length=5000)
    revision = models.PositiveIntegerField(default=0, help_text="How many times it was submitted")
    active_step = models.ForeignKey(
        "DealApprovalStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="An approval lapses then unless the deal closed")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(net_amount__lte=models.F("list_amount")), name="deal_net_within_list"),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="deal_term_at_least_a_month"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lt=100), name="deal_discount_below_100"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="deal_request_expiry"),
            models.Index(fields=["requester", "status"], name="deal_request_requester"),
            # The deal list's sorts (deal_desk/lists.py), each with the key that makes its keyset pages.
            models.Index(fields=["created_at", "id"], name="deal_created_keyset"),
            models.Index(fields=["discount_percent", "id"], name="deal_discount_keyset"),
            models.Index(fields=["net_amount", "id"], name="deal_amount_keyset"),
            models.Index(fields=["status", "-created_at", "-id"], name="deal_status_keyset"),
        ]

    def __str__(self):
        return f"Deal request #{self.pk} on {self.opportunity}"

    @property
    def flags(self) -> list[str]:
        return [flag for flag in DealFlag.values if getattr(self, flag)]

    @property
    def flag_labels(self) -> list[str]:
        return [DealFlag(flag).label for flag in self.flags]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def clean(self):
        errors = {}
        if self.list_amount is not None and self.net_amount is not None:
            if self.net_amount > self.list_amount:
                errors["net_amount"] = "The net amount cannot be above the list amount."
            elif self.list_amount > 0:
                self.discount_percent = discount_percent(self.list_amount, self.net_amount)
                if self.discount_percent >= 100:
                    errors["net_amount"] = "A discount of 100 % or more is not a deal; the net amount must be above 0."
        if self.payment_terms == PaymentTerms.CUSTOM and not self.custom_payment_terms.strip():
            errors["custom_payment_terms"] = "Describe the custom payment terms."
        if self.payment_terms != PaymentTerms.CUSTOM:
            self.custom_payment_terms = ""
        if self.justification is not None and not self.justification.strip():
            errors["justification"] = "Say why the deal needs these terms."
        if errors:
            raise ValidationError(errors)


EDITABLE_STATUSES = (DealRequest.Status.DRAFT, DealRequest.Status.CHANGES_REQUESTED, DealRequest.Status.RECALLED)


def _attachment_path(instance: "DealAttachment", filename: str) -> str:
    return f"deal_desk/{instance.request_id}/{filename}"


class DealAttachment(models.Model):
    """A file backing a request (a quote, a redline); served only through a view that checks who may see it."""

    request = models.ForeignKey(DealRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class ApprovalRule(models.Model):
    """A row of the approval matrix: when a request meets every condition set here, it needs this step.

    Empty conditions match anything. Amounts are in the company currency (`COMPANY_CURRENCY`): a request in
    another currency is converted at the rate of the day it is submitted. Matching rules become the route's
    steps in `step_order`, then id; within a step, `mode` says whether all approvers or any one must approve.
    """

    class Mode(models.TextChoices):
        ALL = "all", "all of the approvers"
        ANY = "any", "any one of the approvers"

    name = models.CharField(max_length=100, unique=True, help_text="Shown as the step's name, e.g. 'Finance review'")
    active = models.BooleanField(default=True)
    step_order = models.PositiveIntegerField(default=10, help_text="Steps run in this order (lower first)")
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.ALL)
    discount_over = models.DecimalField(
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Matches a discount above this percent",
    )
    discount_up_to = models.DecimalField(
        **PERCENT,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="… and at most this percent (for a band)",
    )
    net_amount_over = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))])
    net_amount_up_to = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal(0))])
    term_months_over = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Matches a longer term")
    payment_terms = models.JSONField(
        default=list, blank=True, help_text='Matches any of these, e.g. ["net_60", "net_90", "custom"]'
    )
    flags = models.JSONField(default=list, blank=True, help_text="Matches a request asking any of these clauses")
    segments = models.JSONField(default=list, blank=True, help_text='Account segments, e.g. ["enterprise"]')
    territories = models.ManyToManyField(Territory, blank=True, related_name="+", help_text="The account's territory")
    remind_after_hours = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1)], help_text="Working hours before approvers get a reminder"
    )
    escalate_after_hours = models.PositiveSmallIntegerField(
        default=16, validators=[MinValueValidator(1)], help_text="Working hours before the step's SLA is breached"
    )
    history = HistoricalRecords(m2m_fields=[territories])

    class Meta:
        ordering = ["step_order", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if None not in (self.discount_over, self.discount_up_to) and self.discount_up_to <= self.discount_over:
            errors["discount_up_to"] = "The band's top must be above its bottom."
        if None not in (self.net_amount_over, self.net_amount_up_to) and self.net_amount_up_to <= self.net_amount_over:
            errors["net_amount_up_to"] = "The band's top must be above its bottom."
        hours = (self.remind_after_hours, self.escalate_after_hours)
        if None not in hours and hours[1] <= hours[0]:
            errors["escalate_after_hours"] = "Escalate after the reminder, not before."
        for field, choices in (
            ("payment_terms", PaymentTerms.values),
            ("flags", DealFlag.values),
            ("segments", Segment.values),
        ):
            value = getattr(self, field)
            if not isinstance(value, list) or any(item not in choices for item in value):
                errors[field] = f"A list of: {', '.join(choices)}."
        if errors:
            raise ValidationError(errors)


class RuleApprover(models.Model):
    """Who a rule's step asks: a role relative to the requester, a named user, or any member of a group."""

    class Kind(models.TextChoices):
        MANAGER = "manager", "the rep's manager"
        SECOND_MANAGER = "second_manager", "the manager's manager"
        USER = "user", "a named user"
        GROUP = "group", "any member of a group (e.g. finance, legal)"

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="approvers")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="user", user__isnull=False, group__isnull=True))
                | (Q(kind="group", group__isnull=False, user__isnull=True))
                | (Q(kind__in=["manager", "second_manager"], user__isnull=True, group__isnull=True)),
                name="rule_approver_kind_fits",
            )
        ]

    def __str__(self):
        if self.kind == self.Kind.USER:
            return str(self.user)
        if self.kind == self.Kind.GROUP:
            return f"{self.group} (any member)"
        return self.get_kind_display()

    def clean(self):
        if self.kind == self.Kind.USER and self.user_id is None:
            raise ValidationError({"user": "Name the user."})
        if self.kind == self.Kind.GROUP and self.group_id is None:
            raise ValidationError({"group": "Name the group."})
        if self.kind != self.Kind.USER:
            self.user = None
        if self.kind != self.Kind.GROUP:
            self.group = None


class DealApprovalStep(models.Model):
    """One step of a request's route for one revision, copied from its rule when the request was submitted.

    `inputs` are the request's values the rule looked at: a resubmission that leaves them (and the approvers)
    unchanged keeps the step's approval (`carried_from`).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an earlier step"
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        CLOSED = "closed", "Closed unfinished"

    request = models.ForeignKey(DealRequest, on_delete=models.CASCADE, related_name="steps")
    revision = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField()
    rule = models.ForeignKey(ApprovalRule, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=3, choices=ApprovalRule.Mode.choices)
    inputs = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    remind_after_hours = models.PositiveSmallIntegerField()
    escalate_after_hours = models.PositiveSmallIntegerField()
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    # The scan's next look: the announcement (asking the approvers, due at activation), the reminder, then the
    # escalation; None once all are done or the step is over.
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "revision", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "revision", "position"], name="deal_step_unique_position")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"], name="deal_step_next_check", condition=Q(next_check_at__isnull=False)
            )
        ]

    def __str__(self):
        return f"{self.name} (request #{self.request_id}, revision {self.revision})"

    @property
    def turnaround(self) -> dt.timedelta | None:
        if self.activated_at and self.completed_at and self.carried_from_id is None:
            return self.completed_at - self.activated_at
        return None


class DealApprover(models.Model):
    """One approver of a step: who it stands for (`label`) and the people who may answer for it.

    A named user or a manager has one candidate; a group has its members at submission time. The requester
    is never a candidate.
    """

    step = models.ForeignKey(DealApprovalStep, on_delete=models.CASCADE, related_name="approvers")
    kind = models.CharField(max_length=20, choices=RuleApprover.Kind.choices)
    label = models.CharField(max_length=200)
    candidates = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="deal_approver_slots")
    approved = models.BooleanField(default=False)

    class Meta:
        ordering = ["step", "id"]

    def __str__(self):
        return self.label


class ApprovalDelegation(models.Model):
    """An approver out of office names a delegate for a date range: the delegate sees and decides for them."""

    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_held")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(approver=models.F("delegate")), name="delegation_to_someone_else"),
        ]

    def __str__(self):
        return f"{self.approver} → {self.delegate} ({self.starts_on} – {self.ends_on})"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The delegation must end on or after its first day."})
        if self.approver_id and self.approver_id == self.delegate_id:
            raise ValidationError({"delegate": "Delegate to someone else."})


class DealDecision(ImmutableRecord):
    """An approver's decision on a step, with who decided (the approver, or their delegate on their behalf)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REQUEST_CHANGES = "request_changes", "Asked for changes"

    step = models.ForeignKey(DealApprovalStep, on_delete=models.PROTECT, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # One decision per approver per step: two clicks, or an approver and their delegate, count once.
            models.UniqueConstraint(fields=["step", "approver"], name="deal_decision_once_per_approver")
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.decided_by}"

    @property
    def on_behalf(self) -> bool:
        return self.decided_by_id != self.approver_id


class DealEvent(ImmutableRecord):
    """The request's timeline: every submission, routing, decision, reminder, escalation, recall and expiry."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted"
        ROUTED = "routed", "Routed"
        STEP_REACHED = "step_reached", "Step reached"
        APPROVAL_KEPT = "approval_kept", "Earlier approval stands"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        STEP_APPROVED = "step_approved", "Step approved"
        REQUEST_APPROVED = "request_approved", "Request approved"
        RECALLED = "recalled", "Recalled"
        REMINDED = "reminded", "Reminder sent"
        ESCALATED = "escalated", "Escalated"
        EXPIRED = "expired", "Expired"
        ATTACHED = "attached", "File attached"

    request = models.ForeignKey(DealRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    step = models.ForeignKey(DealApprovalStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class DealDecisionLink(models.Model):
    """The approve/reject link of one approver's e-mail for one step: a signed reference to this row (its
    `nonce`), good once (`used_at`), for this user only, until the signature's age runs out."""

    step = models.ForeignKey(DealApprovalStep, on_delete=models.CASCADE, related_name="email_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "e-mail decision link"

    def __str__(self):
        return f"Link for {self.user} on {self.step}" + (" (used)" if self.used_at else "")

    @property
    def expires_at(self):
        """When its signature runs out (signed as the row was made): after this it opens nothing."""
        return self.created_at + dt.timedelta(seconds=settings.DEAL_DESK_EMAIL_LINK_MAX_AGE)
