"""Cost per lead, MQL and opportunity: actual spend ÷ the sourced count; 0.00 before any spend, empty only
when nothing was sourced. A credit note may not take the actual spend below zero."""

import datetime as dt

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.factories import LeadFactory, OpportunityFactory
from apps.core.models import LeadStage
from apps.marketing_ops.budgets.factories import CampaignTouchFactory
from apps.marketing_ops.budgets.models import Campaign, SpendEntry
from apps.marketing_ops.budgets.selectors import attribution, campaign_budget
from tests.marketing_ops.budgets.conftest import D, post

TODAY = dt.date(2026, 4, 30)


def bought(campaign):
    return attribution(Campaign.objects.filter(pk=campaign.pk), today=TODAY)[0][campaign.pk]


def test_leads_and_no_spend_yet_cost_0_each(campaign):
    lead = LeadFactory(stage=LeadStage.OPPORTUNITY)
    CampaignTouchFactory(campaign=campaign, lead=lead, contact=lead.contact)
    OpportunityFactory(source_lead=lead)
    line = bought(campaign)
    assert (line.cost_per_lead, line.cost_per_mql, line.cost_per_opportunity) == (0, 0, 0)
    shown = line.shown()
    assert (shown["cost_per_lead"], shown["cost_per_mql"], shown["cost_per_opportunity"]) == ("0.00",) * 3


def test_spend_and_nothing_sourced_has_no_cost_per(campaign):
    post(campaign, "500.00")
    line = bought(campaign)
    assert (line.cost_per_lead, line.shown()["cost_per_lead"]) == (None, None)


def test_the_roi_page_shows_0_00_per_lead_before_any_spend(client, marketing_ops, campaign):
    lead = LeadFactory()
    CampaignTouchFactory(campaign=campaign, lead=lead, contact=lead.contact)
    client.force_login(marketing_ops)
    response = client.get("/marketing/roi/?quarter=2026-Q2")
    ((_campaign, _line, shown),) = response.context["lines"]
    assert shown["cost_per_lead"] == "0.00"
    assert '<td class="num">0.00</td>' in response.content.decode()


def test_a_credit_note_above_the_invoices_is_refused_and_nothing_is_written(campaign):
    post(campaign, "300.00")
    post(campaign, "-100.00", is_credit_note=True)
    with pytest.raises(ApplicationError) as refused:
        post(campaign, "-200.01", is_credit_note=True)
    assert (refused.value.code, refused.value.field) == ("credit_exceeds_invoices", "amount")
    assert "invoiced net of earlier credit notes (200.00 USD)" in refused.value.message
    assert SpendEntry.objects.count() == 2
    assert campaign_budget(campaign, today=TODAY).actual == D(200)


def test_a_credit_note_refunding_every_invoice_takes_the_actual_to_zero(campaign):
    post(campaign, "300.00")
    post(campaign, "-300.00", is_credit_note=True)
    assert campaign_budget(campaign, today=TODAY).actual == 0
