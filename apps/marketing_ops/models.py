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
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetVersion,
    ContentShare,
    ContentUsage,
    Tag,
    VersionReview,
)

__all__ = [
    "Asset",
    "AssetEvent",
    "AssetVersion",
    "ContentShare",
    "ContentUsage",
    "Tag",
    "VersionReview",
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
