"""Marketing ops data, one module per capability; Django finds the models here."""

from apps.marketing_ops.budgets.models import (
    BudgetAlert,
    BudgetEnvelope,
    BudgetMove,
    Campaign,
    CampaignStatus,
    CampaignTouch,
    Channel,
    Program,
    SpendEntry,
    SpendKind,
    Team,
)

__all__ = [
    "BudgetAlert",
    "BudgetEnvelope",
    "BudgetMove",
    "Campaign",
    "CampaignStatus",
    "CampaignTouch",
    "Channel",
    "Program",
    "SpendEntry",
    "SpendKind",
    "Team",
]
