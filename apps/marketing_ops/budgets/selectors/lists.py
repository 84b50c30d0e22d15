"""Querysets for the budget lists (API, admin): campaigns, spend, envelopes, moves, each with what it shows."""

from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from apps.marketing_ops.budgets.models import BudgetEnvelope, BudgetMove, Campaign, SpendEntry
from apps.marketing_ops.budgets.selectors.figures import ZERO


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("owner", "program", "region", "envelope__team")


def spend_list() -> QuerySet[SpendEntry]:
    return SpendEntry.objects.select_related("campaign", "created_by")


def envelope_list() -> QuerySet[BudgetEnvelope]:
    """Envelopes with what their campaigns have planned from them (one query)."""
    return BudgetEnvelope.objects.select_related("team").annotate(
        allocated=Sum("campaigns__planned_amount", default=ZERO)
    )


def envelope_allocated(envelope: BudgetEnvelope) -> Decimal:
    return envelope.campaigns.aggregate(total=Sum("planned_amount", default=ZERO))["total"]


def campaign_moves(campaign: Campaign) -> QuerySet[BudgetMove]:
    return BudgetMove.objects.filter(Q(from_campaign=campaign) | Q(to_campaign=campaign)).select_related("actor")
