"""Quotas per rep and fiscal quarter, a manager's team quota set by hand, and the quarter-start coverage snapshot."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.quarters import validate_quarter

MONEY = {"max_digits": 16, "decimal_places": 2}
MULTIPLE = {"max_digits": 8, "decimal_places": 2}


class CoverageStatus(models.TextChoices):
    COVERED = "covered", "Covered"
    THIN = "thin", "Thin"
    UNCOVERED = "uncovered", "Uncovered"
    NO_QUOTA = "no_quota", "No quota"


class Quota(models.Model):
    """What one rep must close in one fiscal quarter, in the company currency."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotas")
    quarter = models.CharField(max_length=7, validators=[validate_quarter], help_text="fiscal quarter, e.g. 2026-Q2")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter", "rep"]
        constraints = [
            models.UniqueConstraint(fields=["rep", "quarter"], name="quota_one_per_rep_quarter"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.rep} · {self.quarter} · {self.amount}"


class TeamQuota(models.Model):
    """A manager's team quota for a quarter, set by hand; without one, the team's quota is its reps' sum."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_quotas")
    quarter = models.CharField(max_length=7, validators=[validate_quarter], help_text="fiscal quarter, e.g. 2026-Q2")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter", "manager"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "quarter"], name="team_quota_one_per_manager_quarter"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="team_quota_amount_not_negative"),
        ]

    def __str__(self):
        return f"Team of {self.manager} · {self.quarter} · {self.amount}"


class CoverageSnapshot(models.Model):
    """Each rep's coverage as it stood on the quarter's first day: taken once, never changed.

    It keeps the pipeline definition and the settings it was computed with, so that its answer stays the same
    when sales ops later change what counts as pipeline.
    """

    quarter = models.CharField(max_length=7, validators=[validate_quarter], unique=True)
    taken_on = models.DateField()
    taken_at = models.DateTimeField(default=timezone.now)
    definition = models.JSONField(help_text="forecast category per stage, as used")
    fiscal_year_start_month = models.PositiveSmallIntegerField()
    default_multiple = models.DecimalField(**MULTIPLE)
    min_closed_deals = models.PositiveIntegerField()
    thin_ratio = models.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["-quarter"]

    def __str__(self):
        return f"Coverage at the start of {self.quarter}"


class CoverageSnapshotLine(models.Model):
    """One rep's figures in a quarter-start snapshot, in the company currency."""

    snapshot = models.ForeignKey(CoverageSnapshot, on_delete=models.CASCADE, related_name="lines")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quota = models.DecimalField(**MONEY, null=True, blank=True)
    open_pipeline = models.DecimalField(**MONEY)
    won = models.DecimalField(**MONEY)
    gap = models.DecimalField(**MONEY)
    coverage = models.DecimalField(**MULTIPLE, null=True, blank=True, help_text="empty when there is no gap")
    required_multiple = models.DecimalField(**MULTIPLE)
    win_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=20, choices=CoverageStatus.choices)

    class Meta:
        ordering = ["snapshot", "rep"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "rep"], name="coverage_snapshot_line_unique")]

    def __str__(self):
        return f"{self.rep} · {self.snapshot.quarter} · {self.get_status_display()}"
