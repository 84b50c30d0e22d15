"""Coverage data, each area in a module of its own: territories' routing (rules, members, decisions), quotas and
coverage snapshots. Import from here."""

from .quotas import CoverageSnapshot, CoverageSnapshotLine, CoverageStatus, Quota, TeamQuota
from .territories import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule

__all__ = [
    "CoverageSnapshot",
    "CoverageSnapshotLine",
    "CoverageStatus",
    "Quota",
    "RoutingDecision",
    "TeamQuota",
    "TerritoryMember",
    "TerritoryRouting",
    "TerritoryRule",
]
