"""The home page leads somewhere: linked leads and stage tiles, "see all", open pipeline in the company currency;
and the lists and the stage form it leads to."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from apps.core.factories import LeadFactory, OpportunityFactory
from apps.core.models import ExchangeRate, LeadStage, OpportunityStage, StageForecastCategory

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.COMPANY_CURRENCY = "USD"
    with time_machine.travel(T0, tick=False):
        yield


def test_waiting_leads_and_stage_tiles_are_links(client, rep):
    lead = LeadFactory(owner=rep, stage=LeadStage.SQL)
    client.force_login(rep)
    page = client.get("/").content.decode()
    assert f'href="/sales/leads/{lead.pk}/"' in page
    assert f'href="/accounts/{lead.account_id}/"' in page
    assert 'href="/leads/?stage=sql"' in page and 'href="/leads/?stage=new"' in page


def test_a_cut_list_says_how_many_and_links_to_all(client, rep):
    LeadFactory.create_batch(12, owner=rep, stage=LeadStage.SQL)
    client.force_login(rep)
    page = client.get("/").content.decode()
    assert "See all 12" in page
    assert len(client.get("/").context["awaiting_acceptance"]) == 10


def test_a_whole_list_has_no_see_all(client, rep):
    LeadFactory.create_batch(3, owner=rep, stage=LeadStage.SQL)
    client.force_login(rep)
    assert "See all" not in client.get("/").content.decode()


def test_open_pipeline_is_grouped_by_forecast_category_in_the_company_currency(client, sales_ops, rep):
    ExchangeRate.objects.create(currency="EUR", valid_on=dt.date(2026, 11, 23), rate=Decimal("1.5"))
    OpportunityFactory(owner=rep, stage=OpportunityStage.PROSPECTING, amount=Decimal(100), currency="EUR")
    OpportunityFactory(owner=rep, stage=OpportunityStage.QUALIFICATION, amount=Decimal(50), currency="USD")
    OpportunityFactory(owner=rep, stage=OpportunityStage.NEGOTIATION, amount=Decimal(10), currency="USD")
    OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_WON, amount=Decimal(999), currency="USD")
    client.force_login(sales_ops)
    context = client.get("/").context
    assert [(line.label, line.n, line.total) for line in context["pipeline"]] == [
        ("Pipeline", 2, Decimal(200)),
        ("Commit", 1, Decimal(10)),
    ]
    assert context["pipeline_total"] == Decimal(210)


def test_open_pipeline_follows_the_pipeline_definition(client, sales_ops, rep):
    StageForecastCategory.objects.update_or_create(stage=OpportunityStage.NEGOTIATION, defaults={"category": "omitted"})
    OpportunityFactory(owner=rep, stage=OpportunityStage.NEGOTIATION, amount=Decimal(10), currency="USD")
    client.force_login(sales_ops)
    assert client.get("/").context["pipeline"] == []


def test_a_currency_without_a_rate_is_named_not_counted(client, rep):
    OpportunityFactory(owner=rep, stage=OpportunityStage.PROSPECTING, amount=Decimal(100), currency="GBP")
    client.force_login(rep)
    response = client.get("/")
    assert response.context["pipeline_total"] == 0
    assert "opportunities in GBP, which have no exchange rate" in response.content.decode()


def test_a_pipeline_category_links_to_the_list_of_its_stages(client, rep):
    OpportunityFactory(owner=rep, stage=OpportunityStage.PROPOSAL, name="Proposal deal", currency="USD")
    OpportunityFactory(owner=rep, stage=OpportunityStage.PROSPECTING, name="Early deal", currency="USD")
    client.force_login(rep)
    assert 'href="/opportunities/?stage=proposal"' in client.get("/").content.decode()
    page = client.get("/opportunities/?stage=proposal").content.decode()
    assert "Proposal deal" in page and "Early deal" not in page


def test_the_lead_list_shows_only_what_the_viewer_sees(client, rep, other_rep):
    mine = LeadFactory(owner=rep, stage=LeadStage.SQL)
    theirs = LeadFactory(owner=other_rep, stage=LeadStage.SQL)
    client.force_login(rep)
    page = client.get("/leads/?stage=sql").content.decode()
    assert f"/sales/leads/{mine.pk}/" in page and f"/sales/leads/{theirs.pk}/" not in page


@pytest.mark.parametrize("path", ["/leads/", "/opportunities/"])
def test_a_list_without_filters_shows_everything_the_viewer_sees(client, rep, path):
    LeadFactory(owner=rep, stage=LeadStage.SQL)
    client.force_login(rep)
    assert client.get(path).status_code == 200


def test_an_unknown_filter_value_is_a_400_naming_it(client, rep):
    client.force_login(rep)
    response = client.get("/leads/?stage=nonsense")
    assert response.status_code == 400
    assert "stage" in response.content.decode()


# --- the stage form ---------------------------------------------------------------------------------------------


def test_closing_as_lost_without_a_reason_is_shown_again_at_the_forms_address(client, rep):
    opportunity = OpportunityFactory(owner=rep, stage=OpportunityStage.PROPOSAL)
    client.force_login(rep)
    response = client.post(f"/opportunities/{opportunity.pk}/stage/", {"stage": "closed_lost", "lost_reason": ""})
    assert response.status_code == 200
    assert "needs a reason" in " ".join(response.context["form"].errors["lost_reason"])
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.PROPOSAL
    assert client.get(f"/opportunities/{opportunity.pk}/stage/").status_code == 200


def test_a_stage_move_goes_back_to_the_opportunity(client, rep):
    opportunity = OpportunityFactory(owner=rep, stage=OpportunityStage.PROPOSAL)
    client.force_login(rep)
    response = client.post(f"/opportunities/{opportunity.pk}/stage/", {"stage": "negotiation"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/opportunities/{opportunity.pk}/"
    assert "is now at Negotiation" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.NEGOTIATION


def test_another_reps_opportunity_cannot_be_moved(client, rep, other_rep, marketing_ops):
    opportunity = OpportunityFactory(owner=other_rep, stage=OpportunityStage.PROPOSAL)
    client.force_login(rep)
    assert client.post(f"/opportunities/{opportunity.pk}/stage/", {"stage": "negotiation"}).status_code == 404
    client.force_login(marketing_ops)
    assert client.post(f"/opportunities/{opportunity.pk}/stage/", {"stage": "negotiation"}).status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.stage == OpportunityStage.PROPOSAL
