"""Reads of the territory tree and its routing: the tree with rules and members in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from apps.core.models import Lead, Territory
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRule


def territory_list() -> QuerySet[Territory]:
    """Every territory with its parent, manager, calendar, fallback owner, rules and members (four queries)."""
    return (
        Territory.objects.select_related("parent", "manager", "calendar", "routing__fallback_owner")
        .prefetch_related(
            Prefetch("routing_rules", queryset=TerritoryRule.objects.select_related("account").order_by("id")),
            Prefetch("routing_members", queryset=TerritoryMember.objects.select_related("user").order_by("id")),
        )
        .order_by("name")
    )


def territory_paths(territories) -> dict[int, str]:
    """Each territory's path from its region ("EMEA › DACH"), from rows already read (no query)."""
    by_id = {t.pk: t for t in territories}
    paths: dict[int, str] = {}
    for territory in territories:
        names, seen, current = [], set(), territory
        while current is not None and current.pk not in seen:
            names.append(current.name)
            seen.add(current.pk)
            current = by_id.get(current.parent_id)
        paths[territory.pk] = " › ".join(reversed(names))
    return paths


def routing_decisions(*, lead: Lead) -> QuerySet[RoutingDecision]:
    """A lead's routing decisions, newest first."""
    return RoutingDecision.objects.filter(lead=lead).select_related("owner", "territory", "actor")
