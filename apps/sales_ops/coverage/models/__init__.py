"""Coverage data: territories' routing (rules, members, decisions) and quotas. Import from here."""

from .territories import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule

__all__ = ["RoutingDecision", "TerritoryMember", "TerritoryRouting", "TerritoryRule"]
