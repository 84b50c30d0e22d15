"""What the money bought: leads, MQLs, opportunities and won amounts per campaign, and the ROI page."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.core.exchange_rates import RateBook
from apps.core.models import Lead, LeadStage, LeadTransition, Opportunity
from apps.core.pipeline import pipeline_definition
from apps.core.quarters import quarter_bounds
from apps.marketing_ops.budgets.models import Campaign, CampaignTouch
from apps.marketing_ops.budgets.selectors.figures import ZERO, money, percent, spend_totals
from apps.marketing_ops.budgets.selectors.lists import campaign_list

_PAST_MQL = (LeadStage.MQL, LeadStage.SQL, LeadStage.SAL, LeadStage.OPPORTUNITY)


@dataclass
class Attribution:
    """What one campaign bought: leads, MQLs, opportunities and won amount, sourced (first touch) and
    influenced (any touch), with the cost of each and the return on the actual spend."""

    campaign_id: int
    actual: Decimal = ZERO
    leads: dict = field(default_factory=lambda: {"sourced": set(), "influenced": set()})
    mqls: dict = field(default_factory=lambda: {"sourced": 0, "influenced": 0})
    opportunities: dict = field(default_factory=lambda: {"sourced": 0, "influenced": 0})
    won: dict = field(default_factory=lambda: {"sourced": ZERO, "influenced": ZERO})

    def _per(self, count: int) -> Decimal | None:
        """Actual spend per sourced lead (MQL, opportunity): 0 before any spend, None only with none sourced."""
        return self.actual / count if count else None

    @property
    def cost_per_lead(self) -> Decimal | None:
        return self._per(len(self.leads["sourced"]))

    @property
    def cost_per_mql(self) -> Decimal | None:
        return self._per(self.mqls["sourced"])

    @property
    def cost_per_opportunity(self) -> Decimal | None:
        return self._per(self.opportunities["sourced"])

    def roi_of(self, won: Decimal) -> Decimal | None:
        return (won - self.actual) / self.actual if self.actual > 0 else None

    @property
    def roi(self) -> Decimal | None:
        """(won amount sourced − actual spend) / actual spend; None without spend."""
        return self.roi_of(self.won["sourced"])

    @property
    def roi_influenced(self) -> Decimal | None:
        return self.roi_of(self.won["influenced"])

    def shown(self) -> dict:
        def ratio(value):
            return None if value is None else str(percent(value * 100))

        def amount(value):
            return None if value is None else str(money(value))

        return {
            "actual": amount(self.actual),
            "leads": {kind: len(ids) for kind, ids in self.leads.items()},
            "mqls": dict(self.mqls),
            "opportunities": dict(self.opportunities),
            "won": {kind: amount(value) for kind, value in self.won.items()},
            "cost_per_lead": amount(self.cost_per_lead),
            "cost_per_mql": amount(self.cost_per_mql),
            "cost_per_opportunity": amount(self.cost_per_opportunity),
            "roi_percent": ratio(self.roi),
            "roi_influenced_percent": ratio(self.roi_influenced),
            "currency": settings.COMPANY_CURRENCY,
        }


@dataclass
class _Touch:
    campaign_id: int
    lead_id: int | None
    contact_id: int
    at: dt.datetime
    id: int


def attribution(campaigns: QuerySet[Campaign], *, today: dt.date) -> tuple[dict[int, Attribution], set[tuple]]:
    """What each campaign bought, and the (currency, day) pairs of won deals no rate could convert.

    A touch on a lead counts for that lead; a touch on a contact counts for every lead of that contact. A
    lead is sourced by the campaign of its earliest touch, influenced by every campaign that touched it. An
    opportunity belongs to the lead converted into it (`source_lead`); a won one counts at its amount in the
    company currency on the day it closed; "won" is what the pipeline definition (apps/core/pipeline.py) says.
    Eight queries, whatever the number of campaigns and touches.
    """
    ids = list(campaigns.values_list("pk", flat=True))
    won_stages = pipeline_definition().won_stages
    result = {pk: Attribution(campaign_id=pk) for pk in ids}
    for pk, (_committed, actual) in spend_totals(campaigns).items():
        result[pk].actual = actual

    own = list(CampaignTouch.objects.filter(campaign_id__in=ids).values_list("lead_id", "contact_id"))
    lead_ids = {lead for lead, _contact in own if lead}
    contact_ids = {contact for lead, contact in own if not lead}
    reached_mql = Exists(LeadTransition.objects.filter(lead_id=OuterRef("pk"), to_stage=LeadStage.MQL))
    leads = {
        row["id"]: row
        for row in Lead.objects.filter(Q(pk__in=lead_ids) | Q(contact_id__in=contact_ids))
        .annotate(reached_mql=reached_mql)
        .values("id", "contact_id", "stage", "reached_mql")
    }
    lead_contacts = {row["contact_id"] for row in leads.values()}
    touches = [
        _Touch(*row)
        for row in CampaignTouch.objects.filter(
            Q(lead_id__in=leads.keys()) | Q(lead__isnull=True, contact_id__in=lead_contacts)
        ).values_list("campaign_id", "lead_id", "contact_id", "touched_at", "id")
    ]
    by_lead: dict[int, list[_Touch]] = defaultdict(list)
    by_contact: dict[int, list[int]] = defaultdict(list)
    for lead in leads.values():
        by_contact[lead["contact_id"]].append(lead["id"])
    for touch in touches:
        for lead_id in [touch.lead_id] if touch.lead_id else by_contact[touch.contact_id]:
            by_lead[lead_id].append(touch)

    opportunities = list(
        Opportunity.objects.filter(source_lead_id__in=leads.keys()).values(
            "source_lead_id", "stage", "amount", "currency", "closed_at", "close_date"
        )
    )
    won_days = [_closed_on(opp, today) for opp in opportunities if opp["stage"] in won_stages]
    rates = RateBook(
        {opp["currency"] for opp in opportunities}, min(won_days, default=today), max(won_days, default=today)
    )
    opportunity_of = {opp["source_lead_id"]: opp for opp in opportunities}
    unconverted = set()

    for lead_id, lead_touches in by_lead.items():
        first = min(lead_touches, key=lambda touch: (touch.at, touch.id)).campaign_id
        lead = leads[lead_id]
        is_mql = lead["reached_mql"] or lead["stage"] in _PAST_MQL
        opportunity = opportunity_of.get(lead_id)
        won = None
        if opportunity is not None and opportunity["stage"] in won_stages:
            day = _closed_on(opportunity, today)
            rate = rates.rate(opportunity["currency"], day)
            if rate is None:
                unconverted.add((opportunity["currency"], day))
            else:
                won = opportunity["amount"] * rate
        for campaign_id in {touch.campaign_id for touch in lead_touches} & result.keys():
            kinds = ("sourced", "influenced") if campaign_id == first else ("influenced",)
            for kind in kinds:
                line = result[campaign_id]
                line.leads[kind].add(lead_id)
                line.mqls[kind] += is_mql
                line.opportunities[kind] += opportunity is not None
                if won is not None:
                    line.won[kind] += won
    return result, unconverted


def _closed_on(opportunity: dict, today: dt.date) -> dt.date:
    """The day a won deal closed: its closing instant, else its close date (never later than today)."""
    return opportunity["closed_at"].date() if opportunity["closed_at"] else min(opportunity["close_date"], today)


def roi_report(*, quarter: str, today: dt.date) -> tuple[list[tuple[Campaign, Attribution]], set[tuple]]:
    quarter_bounds(quarter)
    campaigns = campaign_list().filter(fiscal_quarter=quarter).order_by("channel", "name", "id")
    figures, unconverted = attribution(campaigns, today=today)
    return [(campaign, figures[campaign.pk]) for campaign in campaigns], unconverted
