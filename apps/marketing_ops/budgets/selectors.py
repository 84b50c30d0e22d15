"""Read paths of campaign budgets: exchange rates, each campaign's figures and projection, the budget page, ROI.

Every figure is Decimal in the company currency and unrounded; `money()` and `percent()` round where shown.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from apps.core.exchange_rates import RateBook
from apps.core.models import Lead, LeadStage, LeadTransition, Opportunity
from apps.core.pipeline import pipeline_definition
from apps.core.quarters import quarter_bounds
from apps.marketing_ops.budgets.models import (
    BudgetAlert,
    BudgetEnvelope,
    BudgetMove,
    Campaign,
    CampaignStatus,
    CampaignTouch,
    Channel,
    SpendEntry,
    SpendKind,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def money(value: Decimal | None) -> Decimal | None:
    """How smops shows an amount: to the cent, halves away from zero (2.345 → 2.35, −2.345 → −2.35)."""
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Decimal | None) -> Decimal | None:
    """How smops shows a percentage: to a tenth, halves away from zero."""
    return None if value is None else value.quantize(TENTH, rounding=ROUND_HALF_UP)


# --- exchange rates -------------------------------------------------------------------------------


# --- a campaign's figures ---------------------------------------------------------------------------


class BudgetStatus:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVER = "over"
    LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", OVER: "Over"}


def projection(*, committed: Decimal, actual: Decimal, start: dt.date, end: dt.date, today: dt.date) -> Decimal:
    """Spend expected by the end date: what is spoken for, or the invoices' run rate if that is higher.

    Before the start and after the end nothing more is extrapolated: the projection is what is committed and
    invoiced. In between, the invoiced amount per day so far (`actual / days elapsed`) runs on to the end
    date; commitments are money that will be invoiced, so the projection never falls below them.
    """
    spoken_for = committed + actual
    if today < start or today > end:
        return spoken_for
    elapsed, total = (today - start).days + 1, (end - start).days + 1
    return max(spoken_for, actual * total / elapsed)


@dataclass(frozen=True)
class BudgetFigures:
    """One campaign's money: plan, open commitments, invoices, and what follows from them on `today`.

    Frozen, so the figures derived from them are computed once (`cached_property` writes past the freeze).
    """

    campaign_id: int
    planned: Decimal
    committed: Decimal  # purchase orders not yet settled by invoices
    actual: Decimal  # invoices less credit notes
    start: dt.date
    end: dt.date
    today: dt.date
    warn_at_percent: int = 80
    over_at_percent: int = 100
    projected_over_percent: int = 10
    finished: bool = False  # completed or cancelled: what it spent is final, nothing is still at risk

    @property
    def spoken_for(self) -> Decimal:
        return self.committed + self.actual

    @property
    def available(self) -> Decimal:
        return self.planned - self.spoken_for

    @cached_property
    def used_percent(self) -> Decimal | None:
        """Committed and actual as a share of the plan (None without a plan)."""
        return self.spoken_for * 100 / self.planned if self.planned else None

    @property
    def days_elapsed(self) -> int:
        return max(0, (min(self.today, self.end) - self.start).days + 1)

    @property
    def days_left(self) -> int:
        return max(0, (self.end - max(self.today, self.start - dt.timedelta(days=1))).days)

    @property
    def burn_rate(self) -> Decimal | None:
        """Invoiced per day since the start (None before it)."""
        return self.actual / self.days_elapsed if self.days_elapsed else None

    @cached_property
    def projected(self) -> Decimal:
        return projection(
            committed=self.committed, actual=self.actual, start=self.start, end=self.end, today=self.today
        )

    def passes(self, threshold: str) -> bool:
        """Whether the campaign is past one of its alert thresholds (`BudgetAlert.Threshold`)."""
        if threshold == BudgetAlert.Threshold.PROJECTED:
            return self.projected > self.planned * (100 + self.projected_over_percent) / 100
        at = self.warn_at_percent if threshold == BudgetAlert.Threshold.WARN else self.over_at_percent
        if not self.planned:
            return self.spoken_for > 0
        return self.spoken_for * 100 >= self.planned * at

    @property
    def over_plan(self) -> bool:
        """A finished campaign is over only when it spent more than its plan (or anything without one)."""
        return self.spoken_for > self.planned

    @cached_property
    def status(self) -> str:
        """Over, at risk or on track. A finished campaign that stayed within its plan is on track, however
        close to the plan it came: the thresholds warn of what may still happen, and nothing more will."""
        if self.finished:
            return BudgetStatus.OVER if self.over_plan else BudgetStatus.ON_TRACK
        if self.passes(BudgetAlert.Threshold.OVER):
            return BudgetStatus.OVER
        if self.passes(BudgetAlert.Threshold.WARN) or self.passes(BudgetAlert.Threshold.PROJECTED):
            return BudgetStatus.AT_RISK
        return BudgetStatus.ON_TRACK

    @property
    def status_label(self) -> str:
        return BudgetStatus.LABELS[self.status]

    @property
    def off_track_reasons(self) -> list[str]:
        reasons = []
        used = percent(self.used_percent)
        if self.finished:
            if self.over_plan:
                reasons.append(f"finished {money(self.spoken_for - self.planned):,} over its plan")
            return reasons
        if self.passes(BudgetAlert.Threshold.OVER):
            reasons.append(f"{used} % of plan used" if used is not None else "spending without a plan")
        elif self.passes(BudgetAlert.Threshold.WARN):
            reasons.append(f"{used} % of plan used")
        if self.passes(BudgetAlert.Threshold.PROJECTED):
            reasons.append(f"projected {money(self.projected):,} against a plan of {money(self.planned):,}")
        return reasons

    def shown(self) -> dict:
        """The figures as pages, the API, the CSV and the e-mails show them: rounded, as strings."""
        values = {
            "planned": money(self.planned),
            "committed": money(self.committed),
            "actual": money(self.actual),
            "available": money(self.available),
            "projected": money(self.projected),
            "burn_rate_per_day": money(self.burn_rate),
            "used_percent": percent(self.used_percent),
        }
        return {
            **{name: None if value is None else str(value) for name, value in values.items()},
            "days_elapsed": self.days_elapsed,
            "days_left": self.days_left,
            "status": self.status,
            "currency": settings.COMPANY_CURRENCY,
        }


CAMPAIGN_FIGURE_FIELDS = (
    "id",
    "status",
    "planned_amount",
    "start_date",
    "end_date",
    "warn_at_percent",
    "over_at_percent",
    "projected_over_percent",
)


def spend_sums(campaigns: QuerySet[Campaign]) -> QuerySet[dict]:
    """The one aggregate over the ledger: orders, what invoices settled of them, and invoices, per campaign."""
    return (
        SpendEntry.objects.filter(campaign__in=campaigns.values("pk"))
        .values("campaign_id")
        .annotate(
            committed=Sum("company_amount", filter=Q(kind=SpendKind.COMMITTED), default=ZERO),
            settled=Sum("settled_company_amount", default=ZERO),
            actual=Sum("company_amount", filter=Q(kind=SpendKind.ACTUAL), default=ZERO),
        )
        .order_by()
    )


def spend_totals(campaigns: QuerySet[Campaign]) -> dict[int, tuple[Decimal, Decimal]]:
    """(open commitments, actual) per campaign in `campaigns`, summed by the database in one query."""
    return {row["campaign_id"]: (row["committed"] - row["settled"], row["actual"]) for row in spend_sums(campaigns)}


def budget_figures(campaigns: QuerySet[Campaign], *, today: dt.date) -> dict[int, BudgetFigures]:
    """Each campaign's figures, in two queries however many campaigns and spend entries there are."""
    totals = spend_totals(campaigns)
    return {row["id"]: _figures(row, totals, today) for row in campaigns.values(*CAMPAIGN_FIGURE_FIELDS).order_by()}


def _figures(row: dict, totals: dict, today: dt.date) -> BudgetFigures:
    committed, actual = totals.get(row["id"], (ZERO, ZERO))
    return BudgetFigures(
        campaign_id=row["id"],
        planned=row["planned_amount"],
        committed=committed,
        actual=actual,
        start=row["start_date"],
        end=row["end_date"],
        today=today,
        warn_at_percent=row["warn_at_percent"],
        over_at_percent=row["over_at_percent"],
        projected_over_percent=row["projected_over_percent"],
        finished=row["status"] in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED),
    )


def campaign_budget(campaign: Campaign, *, today: dt.date) -> BudgetFigures:
    return budget_figures(Campaign.objects.filter(pk=campaign.pk), today=today)[campaign.pk]


def commitment_remaining(commitment: SpendEntry) -> Decimal:
    """How much of a purchase order (in its currency) no invoice has settled yet."""
    settled = commitment.settlements.aggregate(total=Sum("settles_amount", default=ZERO))["total"]
    return commitment.amount - settled


# --- lists ---------------------------------------------------------------------------------------


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


# --- the budget page ------------------------------------------------------------------------------


@dataclass
class ChannelLine:
    """A channel's campaigns in one quarter, summed; `envelope` is what the channel's envelopes hold."""

    channel: str
    label: str
    envelope: Decimal = ZERO
    planned: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    projected: Decimal = ZERO
    campaigns: int = 0


@dataclass
class CampaignLine:
    campaign: Campaign
    figures: BudgetFigures


@dataclass
class BudgetReport:
    quarter: str
    today: dt.date
    lines: list[CampaignLine]
    channels: list[ChannelLine]
    totals: ChannelLine
    off_track: list[CampaignLine] = field(default_factory=list)


def budget_report(*, quarter: str, today: dt.date) -> BudgetReport:
    """The quarter's campaigns with their figures, summed by channel, and who is off track (three queries).

    The campaigns are read once, with only what the page shows, and their figures made from the same rows.
    """
    quarter_bounds(quarter)  # refuses a malformed quarter
    campaigns = Campaign.objects.filter(fiscal_quarter=quarter)
    totals = spend_totals(campaigns)
    shown = campaigns.select_related("owner").only(
        *CAMPAIGN_FIGURE_FIELDS, "name", "channel", "owner__username", "owner__first_name", "owner__last_name"
    )
    lines = [
        CampaignLine(campaign, _figures(vars(campaign), totals, today))
        for campaign in shown.order_by("channel", "name", "id")
    ]
    channels = {value: ChannelLine(value, label) for value, label in Channel.choices}
    envelopes = BudgetEnvelope.objects.filter(quarter=quarter).values("channel").annotate(total=Sum("amount"))
    for row in envelopes.order_by():
        channels[row["channel"]].envelope = row["total"]
    totals = ChannelLine("", "All channels")
    for line in lines:
        for group in (channels[line.campaign.channel], totals):
            group.planned += line.figures.planned
            group.committed += line.figures.committed
            group.actual += line.figures.actual
            group.projected += line.figures.projected
            group.campaigns += 1
    totals.envelope = sum((channel.envelope for channel in channels.values()), ZERO)
    severity = {BudgetStatus.OVER: 0, BudgetStatus.AT_RISK: 1}
    off_track = sorted(
        (line for line in lines if line.figures.status != BudgetStatus.ON_TRACK),
        key=lambda line: (severity[line.figures.status], -(line.figures.used_percent or Decimal(10**9))),
    )
    return BudgetReport(
        quarter=quarter,
        today=today,
        lines=lines,
        channels=[channel for channel in channels.values() if channel.campaigns or channel.envelope],
        totals=totals,
        off_track=off_track,
    )


# --- what the money bought ------------------------------------------------------------------------

# A lead has been an MQL if it moved to mql, or stands at a stage that only an MQL reaches.
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
