"""Demo data for campaign budgets: two teams' envelopes for this quarter, campaigns in every state of their
budget (on track, at risk, over, projected over), their spend through the services, rates and touches."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Lead, OpportunityStage, Role, User
from apps.core.quarters import quarter_bounds, quarter_of
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignStatus, CampaignTouch, Channel
from apps.marketing_ops.budgets.models import Team as MarketingTeam
from apps.marketing_ops.budgets.services import budget, spend
from apps.marketing_ops.budgets.services.watch import budget_watch

D = Decimal
TEAMS = ["Demand generation", "Field marketing"]
ENVELOPES = [
    # team, channel, amount
    (0, Channel.PAID_SEARCH, "60000"),
    (0, Channel.PAID_SOCIAL, "40000"),
    (0, Channel.CONTENT_SYNDICATION, "25000"),
    (0, Channel.EMAIL, "8000"),
    (1, Channel.EVENTS, "120000"),
    (1, Channel.WEBINARS, "15000"),
    (1, Channel.PARTNER, "30000"),
]
# name, channel, status, planned, days from the quarter's start to the start, length in days, spend
# spend: (kind, share of the plan, day of the campaign, currency, vendor), in the order they are posted
CAMPAIGNS = [
    ("Always-on brand search", Channel.PAID_SEARCH, "active", "30000", 0, 90,
     [("committed", 0.5, 1, "USD", "Search ads"), ("actual", 0.2, 20, "USD", "Search ads")]),
    ("Competitor conquest search", Channel.PAID_SEARCH, "active", "20000", 5, 60,
     [("actual", 0.55, 10, "USD", "Search ads"), ("actual", 0.3, 25, "USD", "Search ads")]),
    ("LinkedIn ABM – enterprise", Channel.PAID_SOCIAL, "active", "25000", 0, 80,
     [("committed", 0.4, 2, "EUR", "Social network"), ("actual", 0.45, 30, "EUR", "Social network")]),
    ("Analyst report syndication", Channel.CONTENT_SYNDICATION, "active", "18000", 10, 45,
     [("committed", 0.6, 1, "GBP", "Syndication Ltd"), ("actual", 0.3, 12, "GBP", "Syndication Ltd")]),
    ("Spring nurture e-mails", Channel.EMAIL, "active", "5000", 0, 85,
     [("actual", 0.15, 15, "USD", "Mail platform")]),
    ("Berlin customer summit", Channel.EVENTS, "active", "70000", 20, 50,
     [("committed", 0.8, 1, "EUR", "Venue Berlin GmbH"), ("actual", 0.3, 10, "EUR", "Venue Berlin GmbH"),
      ("committed", 0.35, 12, "EUR", "Catering GmbH")]),
    ("Trade fair booth", Channel.EVENTS, "completed", "30000", 0, 20,
     [("actual", 0.9, 5, "USD", "Expo Inc")]),
    ("Product webinar series", Channel.WEBINARS, "active", "9000", 0, 88,
     [("actual", 0.2, 20, "USD", "Webinar platform")]),
    ("Partner co-marketing fund", Channel.PARTNER, "planned", "12000", 60, 25, []),
]  # fmt: skip


@transaction.atomic
def budget_demo_seed() -> str:
    """Idempotent: nothing is made when the demo teams exist already."""
    if MarketingTeam.objects.filter(name=TEAMS[0]).exists():
        return "Budget demo: already present."
    rng = random.Random(20261123)
    today = timezone.localdate()
    quarter = quarter_of(today)
    first, _last = quarter_bounds(quarter)
    owners = list(User.objects.filter(groups__name=Role.MARKETING_OPS).order_by("pk")) or list(
        User.objects.filter(is_superuser=True)
    )
    if not owners:
        return "Budget demo: skipped (no marketing ops user to own campaigns)."
    teams = [MarketingTeam.objects.create(name=name, lead=owners[0]) for name in TEAMS]
    envelopes = {
        channel: budget.envelope_create(
            team=teams[team], channel=channel, quarter=quarter, amount=D(amount), actor=None
        )
        for team, channel, amount in ENVELOPES
    }
    leads = list(Lead.objects.order_by("pk").values_list("pk", "contact_id", "stage"))
    won = set(Lead.objects.filter(opportunity__stage=OpportunityStage.CLOSED_WON).values_list("pk", flat=True))
    for index, (name, channel, status, planned, offset, days, postings) in enumerate(CAMPAIGNS):
        start = first + dt.timedelta(days=offset)
        campaign = budget.campaign_create(
            actor=owners[0],
            name=name,
            channel=channel,
            owner=owners[index % len(owners)],
            start_date=start,
            end_date=start + dt.timedelta(days=days - 1),
            fiscal_quarter=quarter,
            envelope=envelopes[channel],
            planned_amount=D(planned),
            expected_leads=rng.randint(40, 400),
            expected_pipeline=D(planned) * rng.randint(3, 8),
        )
        if status != CampaignStatus.PLANNED:
            budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.ACTIVE, actor=None)
        _spend(campaign, postings, today)
        if status == CampaignStatus.COMPLETED:
            budget.campaign_move(campaign_id=campaign.pk, status=status, actor=None)
        if status != CampaignStatus.PLANNED:
            _touches(campaign, leads, won, rng)
    budget_watch(today=today)
    return (
        f"Budget demo: {Campaign.objects.count()} campaigns in {quarter}, {BudgetEnvelope.objects.count()} envelopes."
    )


def _spend(campaign: Campaign, postings, today: dt.date) -> None:
    """Post the campaign's spend on the days it fell (none after today); invoices settle the open order."""
    order = None
    for kind, share, day, currency, vendor in postings:
        spent_on = min(campaign.start_date + dt.timedelta(days=day), today)
        rate = {"EUR": D("1.08"), "GBP": D("1.27")}.get(currency, D(1))
        amount = (campaign.planned_amount * D(str(share)) / rate).quantize(D("0.01"))
        settles = (
            {"settles_id": order.pk, "settles_amount": min(amount, order.amount)} if order and kind == "actual" else {}
        )
        if settles and order.currency != currency:
            settles = {}
        entry = spend.spend_post(
            campaign_id=campaign.pk, kind=kind, vendor=vendor, spent_on=spent_on, amount=amount, currency=currency,
            description=f"{vendor} — {campaign.name}", watch=False, **settles,
        )  # fmt: skip
        if kind == "committed" and order is None:
            order = entry


def _touches(campaign: Campaign, leads, won: set[int], rng: random.Random) -> None:
    if not leads:
        return
    chosen = rng.sample(leads, min(len(leads), rng.randint(15, 60)))
    # Campaigns that did well touched more of the leads that became wins.
    chosen += rng.sample([lead for lead in leads if lead[0] in won], min(len(won), rng.randint(0, 4)))
    start = timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time(10)))
    CampaignTouch.objects.bulk_create(
        [
            CampaignTouch(
                campaign=campaign,
                lead_id=lead_id,
                contact_id=contact_id,
                touched_at=start + dt.timedelta(hours=rng.randint(0, 24 * 20), seconds=index),
                response=rng.choice(CampaignTouch.Response.values),
            )
            for index, (lead_id, contact_id, _stage) in enumerate(chosen)
        ],
        ignore_conflicts=True,
    )
