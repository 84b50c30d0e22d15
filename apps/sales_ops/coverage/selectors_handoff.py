"""Reads of marketing's hand-off page: the marketing-qualified leads to pick from, who each would go to, and the
reps a hand-off may name instead.

The page lives in sales ops' coverage capability, not in core, because what it adds to core's hand-off is the
routing preview, and routing is sales ops': core may not import it (DESIGN.md). Core keeps the lead, its filter and
its hand-off service (`lead_handoff`); this module reads them.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.core.api.filters import LeadFilter
from apps.core.models import Lead, LeadStage, Role, User
from apps.core.selectors import lead_list
from apps.sales_ops.coverage.services.routing import lead_route

# The most leads one preview or hand-off takes: each preview is a routing question of its own (about six queries).
MAX_PICKED = 50


def handoff_candidates(*, user: User, params) -> LeadFilter:
    """The marketing-qualified leads `user` may see, filtered by the lead FilterSet the API uses (search, account,
    segment, country, source, …), best score first. The stage is the page's, whatever `params` ask."""
    params = params.copy()
    params.pop("stage", None)
    queryset = lead_list(user=user).filter(stage=LeadStage.MQL).order_by("-score", "-id")
    return LeadFilter(params, queryset=queryset)


def handoff_picked(*, user: User, lead_ids: list[int]) -> list[Lead]:
    """The picked leads `user` may see, in the order picked (ids of leads they may not see are dropped)."""
    found = {lead.pk: lead for lead in lead_list(user=user).filter(pk__in=lead_ids)}
    return [found[pk] for pk in dict.fromkeys(lead_ids) if pk in found]


@dataclass(frozen=True)
class HandoffPreview:
    """Who a lead would go to if handed off now without naming an owner, and why, in words."""

    lead: Lead
    owner: User | None
    reason: str
    routed: bool  # False: the lead keeps the owner it has (the hand-off service does not route it)
    ready: bool = True  # False: the lead is no longer marketing-qualified, and its hand-off will be refused


def handoff_previews(*, leads: list[Lead]) -> list[HandoffPreview]:
    """Each lead's would-be owner. A lead with an owner keeps them (as `lead_handoff` does); any other is asked of
    the router (`lead_route(preview=True)`: nothing written, nothing locked). Each preview is that lead's alone:
    several leads into one territory preview the same next turn and, handed together, take turns in order."""
    previews = []
    for lead in leads:
        if lead.stage != LeadStage.MQL:
            reason = f"it is {lead.get_stage_display().lower()} now, and will not be handed off"
            previews.append(HandoffPreview(lead=lead, owner=None, reason=reason, routed=False, ready=False))
            continue
        if lead.owner_id is not None:
            reason = f"keeps its owner {_name(lead.owner)}"
            previews.append(HandoffPreview(lead=lead, owner=lead.owner, reason=reason, routed=False))
            continue
        decision = lead_route(lead=lead, preview=True)
        previews.append(HandoffPreview(lead=lead, owner=decision.owner, reason=decision.reason, routed=True))
    return previews


def handoff_owner_choices() -> QuerySet[User]:
    """Whom a hand-off may name: active reps and managers (what `lead_handoff` accepts), by name."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.REP, Role.MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username
