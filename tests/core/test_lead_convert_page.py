"""Converting a lead from the portal: a pre-filled form at its own address, errors shown there, nothing half-done."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory
from apps.core.models import Lead, LeadStage, LeadTransition, Opportunity
from apps.core.services import leads

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def lead(rep, sales_ops):
    account = AccountFactory(name="Acme", revenue_currency="EUR")
    contact = ContactFactory(account=account, first_name="Clara", last_name="Contact")
    lead = LeadFactory(stage=LeadStage.MQL, contact=contact)
    leads.lead_handoff(lead_id=lead.pk, owner=rep, actor=sales_ops)
    return leads.lead_accept(lead_id=lead.pk, actor=rep)


def url(lead) -> str:
    return f"/leads/{lead.pk}/convert/"


VALID = {"name": "Acme renewal", "amount": "25000.00", "currency": "eur", "close_date": "2027-01-31"}


def test_the_form_is_pre_filled_from_the_lead_and_its_account(client, rep, lead):
    client.force_login(rep)
    response = client.get(url(lead))
    assert response.status_code == 200
    initial = {name: response.context["form"][name].value() for name in ("name", "currency", "close_date")}
    assert initial == {"name": "Acme — Clara Contact", "currency": "EUR", "close_date": dt.date(2027, 2, 21)}
    assert f'action="{url(lead)}"' in response.content.decode()


def test_a_valid_form_converts_and_goes_to_the_new_opportunity(client, rep, lead):
    client.force_login(rep)
    response = client.post(url(lead), VALID)
    opportunity = Opportunity.objects.get(source_lead=lead)
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{opportunity.pk}/"
    assert (opportunity.name, opportunity.amount, opportunity.currency) == ("Acme renewal", Decimal(25000), "EUR")
    assert (opportunity.close_date, opportunity.owner) == (dt.date(2027, 1, 31), rep)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.OPPORTUNITY


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "greater than or equal to 0"),
        ({"amount": "١٢٣"}, "amount", "digits 0-9"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217 currency code"),
        ({"close_date": "soon"}, "close_date", "valid date"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_an_invalid_form_is_shown_again_at_its_own_address_and_nothing_is_written(
    client, rep, lead, change, field, message
):
    transitions = LeadTransition.objects.count()
    client.force_login(rep)
    response = client.post(url(lead), {**VALID, **change})
    assert response.status_code == 200  # the form again, at the form's address: a reload re-posts, never a 405
    assert response.request["PATH_INFO"] == url(lead)
    assert message in " ".join(response.context["form"].errors[field])
    assert not Opportunity.objects.exists()
    assert LeadTransition.objects.count() == transitions
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SAL
    assert client.get(url(lead)).status_code == 200


def test_a_refusal_of_the_service_is_shown_on_the_form_and_rolls_everything_back(client, rep, lead, monkeypatch):
    from apps.core.exceptions import ApplicationError
    from apps.core.services import leads as lead_services

    def refuse(**kwargs):
        raise ApplicationError("Amounts above the ceiling need a deal desk request.", field="amount", code="ceiling")

    monkeypatch.setattr(lead_services, "opportunity_create", refuse)
    client.force_login(rep)
    response = client.post(url(lead), VALID)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == ["Amounts above the ceiling need a deal desk request."]
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SAL  # the move to "opportunity" was rolled back
    assert not Opportunity.objects.exists()


def test_another_teams_lead_is_a_404_and_marketing_ops_a_403(client, other_rep, marketing_ops, lead):
    client.force_login(other_rep)
    assert client.get(url(lead)).status_code == 404
    assert client.post(url(lead), VALID).status_code == 404
    client.force_login(marketing_ops)
    assert client.get(url(lead)).status_code == 403
    assert client.post(url(lead), VALID).status_code == 403
    assert not Opportunity.objects.exists()


def test_a_manager_converts_the_teams_lead_for_its_owner(client, manager, rep, lead):
    client.force_login(manager)
    assert client.post(url(lead), VALID).status_code == 302
    assert Opportunity.objects.get(source_lead=lead).owner == rep


def test_a_lead_not_yet_accepted_sends_back_to_its_page_with_the_reason_in_words(client, rep, sales_ops):
    lead = LeadFactory(stage=LeadStage.MQL)
    leads.lead_handoff(lead_id=lead.pk, owner=rep, actor=sales_ops)
    client.force_login(rep)
    response = client.get(url(lead), follow=True)
    assert response.redirect_chain[-1][0] == f"/sales/leads/{lead.pk}/"
    page = response.content.decode()
    assert "Only an accepted lead converts; this one is sales qualified (handed to sales)." in page
    assert "'sql'" not in page


def test_a_converted_lead_leads_to_its_opportunity(client, rep, lead):
    client.force_login(rep)
    client.post(url(lead), VALID)
    opportunity = Opportunity.objects.get(source_lead=lead)
    response = client.get(url(lead))
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{opportunity.pk}/"
