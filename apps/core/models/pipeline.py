"""The definition of pipeline as data: each opportunity stage's forecast category, edited by sales ops."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.models.customers import OpportunityStage


class ForecastCategory(models.TextChoices):
    """Where a stage counts: the three open categories are "pipeline" in every report; omitted counts nowhere."""

    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    CLOSED_WON = "closed_won", "Closed won"
    CLOSED_LOST = "closed_lost", "Closed lost"
    OMITTED = "omitted", "Omitted"


OPEN_CATEGORIES = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)

# What a stage counts as until sales ops say otherwise (and for a stage with no row).
DEFAULT_CATEGORIES = {
    OpportunityStage.PROSPECTING: ForecastCategory.PIPELINE,
    OpportunityStage.QUALIFICATION: ForecastCategory.PIPELINE,
    OpportunityStage.PROPOSAL: ForecastCategory.BEST_CASE,
    OpportunityStage.NEGOTIATION: ForecastCategory.COMMIT,
    OpportunityStage.CLOSED_WON: ForecastCategory.CLOSED_WON,
    OpportunityStage.CLOSED_LOST: ForecastCategory.CLOSED_LOST,
}


class StageForecastCategory(models.Model):
    """One opportunity stage's forecast category. Every change is kept, dated and signed, in its history."""

    stage = models.CharField(max_length=20, choices=OpportunityStage.choices, unique=True)
    category = models.CharField(max_length=20, choices=ForecastCategory.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage"]
        verbose_name = "stage forecast category"
        verbose_name_plural = "pipeline definition (forecast category per stage)"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=ForecastCategory.values), name="stage_forecast_category_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.get_category_display()}"
