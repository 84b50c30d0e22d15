"""The record pages (account, contact, opportunity): who sees what, which buttons, amounts, timelines, query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.factories import (
    AccountFactory,
    BusinessCalendarFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    TerritoryFactory,
    UserFactory,
)
from apps.core.models import ExchangeRate, LeadStage, Opportunity, OpportunityStage, Role
from apps.core.services import leads, opportunities
from apps.core.services.customers import contact_update
from apps.sales_ops.deal_desk import services as deal_desk

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def settings_usd(settings):
    settings.COMPANY_CURRENCY = "USD"
    return settings


@pytest.fixture
def account(db):
    return AccountFactory(name="Acme", domain="acme.example", segment="enterprise", country="DE")


def html(response) -> str:
    return response.content.decode()


def accepted_lead(owner, account, ops):
    lead = LeadFactory(stage=LeadStage.MQL, contact=ContactFactory(account=account))
    leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=ops)
    return leads.lead_accept(lead_id=lead.pk, actor=owner)


# --- visibility -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep", "other_rep", "manager", "sales_ops", "marketing_ops"])
def test_everyone_reads_an_account_and_its_contacts(client, request, account, who):
    ContactFactory(account=account, first_name="Clara", last_name="Contact")
    client.force_login(request.getfixturevalue(who))
    page = html(client.get(f"/accounts/{account.pk}/"))
    assert "Acme" in page and "Enterprise" in page and "Clara Contact" in page


def test_an_account_page_lists_only_the_leads_and_opportunities_the_viewer_sees(client, account, rep, other_rep):
    OpportunityFactory(account=account, owner=rep, name="Mine deal")
    OpportunityFactory(account=account, owner=other_rep, name="Otto deal")
    LeadFactory(contact=ContactFactory(account=account, first_name="Mia", last_name="Mine"), owner=rep)
    LeadFactory(contact=ContactFactory(account=account, first_name="Olaf", last_name="Other"), owner=other_rep)
    client.force_login(rep)
    response = client.get(f"/accounts/{account.pk}/")
    assert [o.name for o in response.context["opportunities"]] == ["Mine deal"]
    assert [lead.owner for lead in response.context["leads"]] == [rep]
    assert "Otto deal" not in html(response)


@pytest.mark.parametrize(
    ("who", "own", "foreign"),
    [("rep", 200, 404), ("manager", 200, 404), ("sales_ops", 200, 200), ("marketing_ops", 200, 200)],
)
def test_an_opportunity_page_is_a_404_outside_the_viewers_scope(client, request, rep, other_rep, who, own, foreign):
    mine, theirs = OpportunityFactory(owner=rep), OpportunityFactory(owner=other_rep)
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/opportunities/{mine.pk}/").status_code == own
    assert client.get(f"/opportunities/{theirs.pk}/").status_code == foreign


def test_a_contact_page_shows_their_visible_leads_and_their_accounts_opportunities(client, account, rep, other_rep):
    contact = ContactFactory(account=account)
    mine = LeadFactory(contact=contact, owner=rep)
    LeadFactory(contact=contact, owner=other_rep)
    OpportunityFactory(account=account, owner=rep, name="Mine deal")
    OpportunityFactory(account=account, owner=other_rep, name="Otto deal")
    client.force_login(rep)
    response = client.get(f"/contacts/{contact.pk}/")
    assert [lead.pk for lead in response.context["leads"]] == [mine.pk]
    assert [o.name for o in response.context["opportunities"]] == ["Mine deal"]


def test_a_missing_record_is_a_404(client, rep):
    client.force_login(rep)
    for url in ("/accounts/999999/", "/contacts/999999/", "/opportunities/999999/"):
        assert client.get(url).status_code == 404


# --- amounts ----------------------------------------------------------------------------------------------------


def test_an_opportunity_shows_its_amount_in_its_currency_and_the_companys(client, settings_usd, rep):
    ExchangeRate.objects.create(currency="EUR", valid_on=dt.date(2026, 11, 20), rate=Decimal("1.10"))
    opportunity = OpportunityFactory(owner=rep, amount=Decimal("12500.00"), currency="EUR")
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert re.search(r'id="amount">12,500.00 EUR<', page)
    assert re.search(r'id="company-amount">13,750.00 USD', page)


def test_an_amount_without_a_rate_says_so_instead_of_a_figure(client, settings_usd, rep):
    opportunity = OpportunityFactory(owner=rep, amount=Decimal("100.00"), currency="GBP")
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert "no exchange rate for GBP" in page


def test_the_account_page_converts_each_opportunity(client, settings_usd, account, rep):
    ExchangeRate.objects.create(currency="EUR", valid_on=dt.date(2026, 11, 1), rate=Decimal("2"))
    OpportunityFactory(account=account, owner=rep, amount=Decimal("10.00"), currency="EUR")
    client.force_login(rep)
    response = client.get(f"/accounts/{account.pk}/")
    assert [o.company_amount for o in response.context["opportunities"]] == [Decimal("20.00")]
    assert "20.00 USD" in html(response)


# --- actions: only those the viewer may take ---------------------------------------------------------------------


def test_the_owner_may_change_the_stage_and_request_approval(client, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert f'action="/opportunities/{opportunity.pk}/stage/"' in page
    assert f"/sales/deals/new/?opportunity={opportunity.pk}" in page


def test_marketing_ops_read_an_opportunity_but_are_offered_no_action(client, marketing_ops, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(marketing_ops)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert opportunity.name in page
    assert "/stage/" not in page and "/sales/deals/new/" not in page


def test_a_manager_may_move_the_teams_opportunity_but_not_request_approval_for_it(client, manager, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(manager)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert "/stage/" in page and "/sales/deals/new/" not in page


def test_a_closed_opportunity_offers_no_stage_change(client, rep):
    opportunity = OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_WON)
    client.force_login(rep)
    assert "/stage/" not in html(client.get(f"/opportunities/{opportunity.pk}/"))


def test_convert_is_offered_on_the_account_page_only_for_leads_the_viewer_works(
    client, account, rep, other_rep, marketing_ops, sales_ops
):
    mine = accepted_lead(rep, account, sales_ops)
    theirs = accepted_lead(other_rep, account, sales_ops)
    client.force_login(rep)
    page = html(client.get(f"/accounts/{account.pk}/"))
    assert f"/leads/{mine.pk}/convert/" in page and f"/leads/{theirs.pk}/convert/" not in page
    client.force_login(marketing_ops)
    assert "/convert/" not in html(client.get(f"/accounts/{account.pk}/"))
    client.force_login(sales_ops)
    page = html(client.get(f"/accounts/{account.pk}/"))
    assert f"/leads/{mine.pk}/convert/" in page and f"/leads/{theirs.pk}/convert/" in page


def test_only_ops_staff_get_the_edit_link(client, account, rep, sales_ops):
    client.force_login(rep)
    assert "/admin/core/account/" not in html(client.get(f"/accounts/{account.pk}/"))
    client.force_login(sales_ops)
    assert f"/admin/core/account/{account.pk}/change/" in html(client.get(f"/accounts/{account.pk}/"))


# --- the deal desk panel (contributed by sales ops through its AppConfig) ------------------------------------------


def test_the_opportunity_page_lists_its_deal_desk_requests_by_status_label(client, rep, marketing_ops):
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    deal = deal_desk.deal_request_create(
        requester=rep,
        opportunity=opportunity,
        data={
            "list_amount": Decimal("1000.00"),
            "net_amount": Decimal("900.00"),
            "term_months": 12,
            "payment_terms": "net_30",
            "justification": "A reference customer.",
        },
    )
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert f"/sales/deals/{deal.pk}/" in page and "Draft" in page and "deal-status-draft" in page
    client.force_login(marketing_ops)  # marketing ops see a request only when it is put to them
    assert f"/sales/deals/{deal.pk}/" not in html(client.get(f"/opportunities/{opportunity.pk}/"))


# --- timelines ----------------------------------------------------------------------------------------------------


def test_the_opportunity_timeline_names_stages_by_label(client, rep):
    opportunity = OpportunityFactory(owner=rep, stage=OpportunityStage.PROSPECTING)
    opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.PROPOSAL)
    client.force_login(rep)
    response = client.get(f"/opportunities/{opportunity.pk}/")
    entry = response.context["timeline"][0]
    assert entry.what == "Stage changed"
    assert [(c.label, c.old, c.new) for c in entry.changes] == [("Stage", "Prospecting", "Proposal")]
    assert "Stage: Prospecting → Proposal" in html(response)
    assert "prospecting →" not in html(response)


def test_the_account_timeline_has_the_leads_moves_by_label(client, account, rep, sales_ops):
    lead = accepted_lead(rep, account, sales_ops)
    client.force_login(rep)
    page = html(client.get(f"/accounts/{account.pk}/"))
    assert "Stage: Sales qualified (handed to sales) → Sales accepted" in page
    assert f"/sales/leads/{lead.pk}/" in page


def test_the_contact_page_shows_the_consent_history_with_its_source(client, rep, sales_ops):
    contact = ContactFactory(consent_status="unknown")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        contact_update(contact_id=contact.pk, data={"consent_status": "granted", "consent_source": "web form"})
    client.force_login(rep)
    response = client.get(f"/contacts/{contact.pk}/")
    changes = [(c.label, c.old, c.new) for entry in response.context["consent_history"] for c in entry.changes]
    assert ("Consent status", "Unknown", "Granted") in changes
    assert ("Consent source", "—", "web form") in changes


def test_times_are_shown_in_the_viewers_territory_zone_with_the_zone_named(client, rep):
    rep.territory = TerritoryFactory(calendar=BusinessCalendarFactory(timezone="Europe/Berlin"))
    rep.save()
    opportunity = OpportunityFactory(owner=rep)
    opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.QUALIFICATION)
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert "Mon 23 Nov 2026, 10:00 CET" in page  # 09:00 UTC
    assert "Times are in the Europe/Berlin time zone." in page


def test_without_a_territory_times_are_in_the_sites_zone(client, rep, settings):
    settings.TIME_ZONE = "UTC"
    opportunity = OpportunityFactory(owner=rep)
    opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.QUALIFICATION)
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert "Mon 23 Nov 2026, 09:00 UTC" in page and "the UTC time zone" in page


# --- query counts ---------------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow_account(account, owner, ops, n):
    for _ in range(n):
        accepted_lead(owner, account, ops)
        opportunity = OpportunityFactory(account=account, owner=owner, currency="EUR")
        opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.QUALIFICATION)


@pytest.mark.parametrize("who", ["rep", "manager", "sales_ops"])
def test_the_account_page_runs_as_many_queries_for_many_rows_as_for_one(client, request, account, rep, sales_ops, who):
    _grow_account(account, rep, sales_ops, 1)
    client.force_login(request.getfixturevalue(who))
    few = _queries(client, f"/accounts/{account.pk}/")
    _grow_account(account, rep, sales_ops, 4)
    assert _queries(client, f"/accounts/{account.pk}/") == few


def test_the_contact_page_runs_as_many_queries_for_many_rows_as_for_one(client, account, rep, manager, sales_ops):
    contact = ContactFactory(account=account)
    LeadFactory(contact=contact, owner=rep)
    OpportunityFactory(account=account, owner=rep)
    client.force_login(manager)
    few = _queries(client, f"/contacts/{contact.pk}/")
    LeadFactory.create_batch(4, contact=contact, owner=rep)
    OpportunityFactory.create_batch(4, account=account, owner=rep)
    for _ in range(3):
        contact_update(contact_id=contact.pk, data={"title": f"Title {_}"})
    assert _queries(client, f"/contacts/{contact.pk}/") == few


def test_the_opportunity_page_runs_as_many_queries_for_a_long_history(client, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(rep)
    few = _queries(client, f"/opportunities/{opportunity.pk}/")
    for stage in (OpportunityStage.QUALIFICATION, OpportunityStage.PROPOSAL, OpportunityStage.NEGOTIATION):
        opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=stage)
        opportunities.opportunity_update(opportunity_id=opportunity.pk, data={"owner": UserFactory(roles=[Role.REP])})
    opportunities.opportunity_update(opportunity_id=opportunity.pk, data={"owner": rep})
    assert _queries(client, f"/opportunities/{opportunity.pk}/") == few


def test_workable_ids_agree_with_the_rule_asked_one_record_at_a_time(rep, other_rep, manager, sales_ops, marketing_ops):
    from apps.core.permissions import workable_ids

    records = [OpportunityFactory(owner=rep), OpportunityFactory(owner=other_rep), OpportunityFactory(owner=manager)]
    for user in (rep, other_rep, manager, sales_ops, marketing_ops):
        expected = {o.pk for o in records if user.has_perm("core.may_change_opportunity", o)}
        assert workable_ids(user, records) == expected, user


def test_opportunities_are_unchanged_by_reading_pages(client, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(rep)
    client.get(f"/opportunities/{opportunity.pk}/")
    assert Opportunity.history.filter(id=opportunity.pk).count() == 1
