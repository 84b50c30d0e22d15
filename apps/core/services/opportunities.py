"""Opportunity writes: create, edit, and stage moves with their probability and outcome."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import Account, Lead, Opportunity, OpportunityStage, User
from apps.core.models.customers import CLOSED_STAGES, STAGE_PROBABILITY
from apps.core.services.records import apply_changes, validated_save

EDITABLE_FIELDS = ("name", "amount", "currency", "close_date", "probability", "owner", "account")


@transaction.atomic
def opportunity_create(
    *,
    name: str,
    account: Account,
    owner: User,
    amount: Decimal,
    currency: str,
    close_date: dt.date,
    stage: str = OpportunityStage.PROSPECTING,
    source_lead: Lead | None = None,
) -> Opportunity:
    if stage in CLOSED_STAGES:
        raise ApplicationError("Create the opportunity open, then close it as won or lost.", field="stage")
    opportunity = Opportunity(
        name=name,
        account=account,
        owner=owner,
        amount=amount,
        currency=currency,
        close_date=close_date,
        stage=stage,
        probability=STAGE_PROBABILITY[stage],
        source_lead=source_lead,
    )
    return validated_save(opportunity)


@transaction.atomic
def opportunity_update(*, opportunity_id: int, data: dict) -> Opportunity:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    if opportunity.is_closed:
        raise ApplicationError("A closed opportunity cannot be edited.", code="closed")
    return apply_changes(opportunity, data, EDITABLE_FIELDS)


@transaction.atomic
def opportunity_move(*, opportunity_id: int, stage: str, lost_reason: str = "") -> Opportunity:
    """Move to another stage; closing as lost needs a reason; a closed opportunity stays closed."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
    if stage not in OpportunityStage.values:
        raise ApplicationError(f"'{stage}' is not an opportunity stage.", field="stage")
    if opportunity.stage == stage:
        return opportunity
    if opportunity.is_closed:
        raise ApplicationError(f"The opportunity is already {opportunity.get_stage_display().lower()}.", code="closed")
    lost_reason = (lost_reason or "").strip()
    if stage == OpportunityStage.CLOSED_LOST and not lost_reason:
        raise ApplicationError("Closing an opportunity as lost needs a reason.", field="lost_reason")
    opportunity.stage = stage
    opportunity.probability = STAGE_PROBABILITY[stage]
    opportunity.lost_reason = lost_reason if stage == OpportunityStage.CLOSED_LOST else ""
    opportunity.closed_at = timezone.now() if stage in CLOSED_STAGES else None
    opportunity.save(update_fields=["stage", "probability", "lost_reason", "closed_at", "updated_at"])
    return opportunity
