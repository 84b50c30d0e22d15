"""A campaign's budget status once it is finished: under plan is on track, whatever its warning threshold said."""

import datetime as dt

import pytest

from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import CampaignStatus
from apps.marketing_ops.budgets.selectors import BudgetStatus
from apps.marketing_ops.budgets.services import budget
from tests.marketing_ops.budgets.conftest import D, order, post

MAY_10 = dt.date(2026, 5, 10)  # after the campaigns' end (30 April)


@pytest.fixture
def big_envelope(db):
    return EnvelopeFactory(amount=D("100000.00"))


def finished(campaign, status=CampaignStatus.COMPLETED):
    budget.campaign_move(campaign_id=campaign.pk, status=status, actor=None)
    return campaign


def report():
    return selectors.budget_report(quarter="2026-Q2", today=MAY_10)


def test_a_completed_campaign_3000_under_plan_is_on_track_and_not_off_track(big_envelope):
    campaign = CampaignFactory(envelope=big_envelope, name="Fair", planned_amount=D("20000.00"))
    post(campaign, "17000.00")  # 85 %: past the 80 % warning, 3,000 under plan
    finished(campaign)
    (line,) = report().page.lines
    assert line.figures.status == BudgetStatus.ON_TRACK
    assert report().off_track == []


def test_an_active_campaign_at_the_same_figures_is_still_at_risk(big_envelope):
    campaign = CampaignFactory(envelope=big_envelope, planned_amount=D("20000.00"))
    post(campaign, "17000.00")
    (line,) = report().off_track
    assert line.figures.status == BudgetStatus.AT_RISK


def test_a_completed_campaign_that_spent_its_plan_exactly_is_on_track(big_envelope):
    campaign = CampaignFactory(envelope=big_envelope, planned_amount=D("20000.00"))
    order(campaign, "5000.00")
    post(campaign, "15000.00")
    finished(campaign)
    assert selectors.campaign_budget(campaign, today=MAY_10).status == BudgetStatus.ON_TRACK


def test_a_completed_campaign_over_its_plan_is_over_with_by_how_much(big_envelope):
    campaign = CampaignFactory(envelope=big_envelope, name="Fair", planned_amount=D("20000.00"))
    post(campaign, "21250.00")
    finished(campaign)
    (line,) = report().off_track
    assert line.figures.status == BudgetStatus.OVER
    assert line.figures.off_track_reasons == ["finished 1,250.00 over its plan"]


def test_a_cancelled_campaign_whose_plan_shrank_to_its_spend_is_not_over(big_envelope):
    campaign = CampaignFactory(envelope=big_envelope, planned_amount=D("20000.00"))
    post(campaign, "4000.00")
    finished(campaign, CampaignStatus.CANCELLED)  # the plan shrinks to the 4,000 spoken for: 100 % used
    figures = selectors.campaign_budget(campaign, today=MAY_10)
    assert (figures.planned, figures.status) == (D("4000.00"), BudgetStatus.ON_TRACK)
