"""What the money bought: sourced and influenced leads, MQLs, opportunities and wins; cost per and ROI."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.core.factories import ExchangeRateFactory, LeadFactory, OpportunityFactory
from apps.core.models import LeadStage, LeadTransition, OpportunityStage
from apps.marketing_ops.budgets.factories import CampaignFactory, CampaignTouchFactory
from apps.marketing_ops.budgets.models import Campaign
from apps.marketing_ops.budgets.selectors import attribution
from tests.marketing_ops.budgets.conftest import D, post

T = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 0))
TODAY = dt.date(2026, 6, 30)


def at(days: int) -> dt.datetime:
    return T + dt.timedelta(days=days)


@pytest.fixture
def world(envelope):
    """Two campaigns, five leads; every figure below is counted by hand.

    - lead 1: touched by A (day 0), then B (day 1); reached mql; converted, won 10,000 USD.
    - lead 2: touched by B (day 0), then A (day 2); at sql; converted, won 5,000 EUR (1.20 on the close date).
    - lead 3: touched by A only (day 3); new, never qualified.
    - lead 4: its contact (no lead named) touched by A (day 1); mql by transition, then recycled; an open deal.
    - lead 5: touched by B only; lost deal.
    A spent 2,000 (2,500 invoiced less a 500 credit note); B spent 4,000, and has an open order of 9,999.
    """
    ExchangeRateFactory(currency="EUR", valid_on=dt.date(2026, 5, 1), rate=D("1.20"))
    a = CampaignFactory(envelope=envelope, name="A", planned_amount=D(5000))
    b = CampaignFactory(envelope=envelope, name="B", planned_amount=D(5000))
    leads = [
        LeadFactory(stage=LeadStage.OPPORTUNITY),
        LeadFactory(stage=LeadStage.SQL),
        LeadFactory(stage=LeadStage.NEW),
        LeadFactory(stage=LeadStage.RECYCLED),
        LeadFactory(stage=LeadStage.NEW),
    ]
    LeadTransition.objects.create(lead=leads[3], from_stage="new", to_stage="mql", at=at(2))
    touches = [(a, 0, 0), (b, 0, 1), (b, 1, 0), (a, 1, 2), (a, 2, 3), (b, 4, 1)]
    for campaign, index, day in touches:
        CampaignTouchFactory(campaign=campaign, lead=leads[index], contact=leads[index].contact, touched_at=at(day))
    CampaignTouchFactory(campaign=a, contact=leads[3].contact, touched_at=at(1))
    closed = timezone.make_aware(dt.datetime(2026, 5, 3, 12, 0))
    won = OpportunityStage.CLOSED_WON
    OpportunityFactory(source_lead=leads[0], stage=won, amount=D(10000), currency="USD", closed_at=closed)
    OpportunityFactory(source_lead=leads[1], stage=won, amount=D(5000), currency="EUR", closed_at=closed)
    OpportunityFactory(source_lead=leads[3], stage=OpportunityStage.PROPOSAL, amount=D(7000), currency="USD")
    OpportunityFactory(source_lead=leads[4], stage=OpportunityStage.CLOSED_LOST, amount=D(3000), currency="USD")
    post(a, "2500.00")
    post(a, "-500.00", is_credit_note=True)
    post(b, "4000.00")
    post(b, "9999.00", kind="committed")
    return a, b


def figures(world):
    result, unconverted = attribution(Campaign.objects.filter(pk__in=[c.pk for c in world]), today=TODAY)
    assert unconverted == set()
    return [result[campaign.pk] for campaign in world]


def test_leads_mqls_and_opportunities_sourced_and_influenced(world):
    a, b = figures(world)
    assert {k: len(v) for k, v in a.leads.items()} == {"sourced": 3, "influenced": 4}  # 1, 3, 4 | 1, 2, 3, 4
    assert {k: len(v) for k, v in b.leads.items()} == {"sourced": 2, "influenced": 3}  # 2, 5 | 1, 2, 5
    assert a.mqls == {"sourced": 2, "influenced": 3}  # leads 1 and 4 | 1, 2, 4
    assert b.mqls == {"sourced": 1, "influenced": 2}  # lead 2 | 1, 2
    assert a.opportunities == {"sourced": 2, "influenced": 3}
    assert b.opportunities == {"sourced": 2, "influenced": 3}


def test_won_amounts_in_the_company_currency_at_the_close_date(world):
    a, b = figures(world)
    assert a.won == {"sourced": D(10000), "influenced": D(16000)}
    assert b.won == {"sourced": D(6000), "influenced": D(16000)}


def test_cost_per_figures_divide_the_actual_spend_by_the_sourced_counts(world):
    a, b = figures(world)
    assert a.actual == D(2000)
    assert a.cost_per_lead == D(2000) / 3
    assert a.shown()["cost_per_lead"] == "666.67"
    assert (a.cost_per_mql, a.cost_per_opportunity) == (D(1000), D(1000))
    assert (b.actual, b.cost_per_lead, b.cost_per_mql, b.cost_per_opportunity) == (D(4000), D(2000), D(4000), D(2000))


def test_roi_is_won_less_actual_spend_over_actual_spend(world):
    a, b = figures(world)
    assert a.roi == D(4)  # (10,000 − 2,000) / 2,000
    assert b.roi == D("0.5")  # (6,000 − 4,000) / 4,000: the open order is not spend yet
    assert a.roi_influenced == D(7)
    assert (a.shown()["roi_percent"], b.shown()["roi_percent"]) == ("400.0", "50.0")


def test_without_actual_spend_there_is_no_roi(envelope):
    campaign = CampaignFactory(envelope=envelope)
    CampaignTouchFactory(campaign=campaign, lead=LeadFactory())
    (line,) = attribution(Campaign.objects.filter(pk=campaign.pk), today=TODAY)[0].values()
    assert line.roi is None


def test_a_win_whose_currency_has_no_rate_is_reported_not_counted(world):
    lead = LeadFactory(stage=LeadStage.OPPORTUNITY)
    CampaignTouchFactory(campaign=world[0], lead=lead, touched_at=at(5))
    OpportunityFactory(source_lead=lead, stage=OpportunityStage.CLOSED_WON, amount=D(1), currency="GBP", closed_at=T)
    result, unconverted = attribution(Campaign.objects.filter(pk=world[0].pk), today=TODAY)
    assert unconverted == {("GBP", T.date())}
    assert result[world[0].pk].won["sourced"] == D(10000)


def test_attribution_reads_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(8):  # … and the pipeline definition
        attribution(Campaign.objects.all(), today=TODAY)
