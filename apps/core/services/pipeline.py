"""Writes of the pipeline definition: a stage's forecast category, changed by sales ops, dated and signed."""

from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import ForecastCategory, OpportunityStage, StageForecastCategory, User


@transaction.atomic
def stage_category_set(*, stage: str, category: str, actor: User | None) -> StageForecastCategory:
    """Put `stage` in forecast `category` from now on; the row's history keeps every earlier category and when."""
    if stage not in OpportunityStage.values:
        raise ApplicationError(f"'{stage}' is not an opportunity stage.", field="stage", code="unknown_stage")
    if category not in ForecastCategory.values:
        raise ApplicationError(f"'{category}' is not a forecast category.", field="category", code="unknown_category")
    row = StageForecastCategory.objects.select_for_update().filter(stage=stage).first()
    if row is None:
        row = StageForecastCategory(stage=stage)
    elif row.category == category:
        return row
    row.category, row.changed_at, row.changed_by = category, timezone.now(), actor
    row._history_user = actor  # simple_history signs the history row with the person, not the request
    row.save()
    return row
