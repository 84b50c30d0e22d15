"""Hostile bodies never become a 500: nesting, digits that are not 0-9, history pages of models without history."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.amounts import AmountFormField
from apps.core.exceptions import ApplicationError
from apps.core.factories import AccountFactory, OpportunityFactory
from apps.core.models import Opportunity
from apps.marketing_ops.budgets.models import Program
from apps.marketing_ops.budgets.services.budget import as_money
from apps.sales_ops.models import ApprovalDelegation, DealRequest

ARABIC_INDIC_123 = "\u0661\u0662\u0663"  # "١٢٣", which Python's Decimal reads as 123
FULLWIDTH_5 = "\uff15"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/opportunities/",
        "/api/v1/leads/",
        "/api/v1/deal-desk/requests/",
        "/api/v1/campaigns/",
        "/api/v1/deal-desk/delegations/",
    ],
)
def test_a_thousand_levels_of_nesting_is_a_400_on_every_json_endpoint(api, admin_user, url):
    response = api.as_user(admin_user).post(url, nested(1000), content_type="application/json")
    assert response.status_code == 400
    assert "deeper than 32 levels" in response.json()["detail"]


def test_the_token_endpoint_refuses_nesting_too(client, db):
    response = client.post("/api/v1/auth/token/", nested(1000), content_type="application/json")
    assert response.status_code == 400
    assert "deeper than 32 levels" in response.json()["detail"]


def test_nesting_just_past_the_limit_is_refused_and_nothing_is_written(api, rep):
    body = {
        "name": "Deal",
        "account": AccountFactory().pk,
        "amount": "5",
        "currency": "EUR",
        "close_date": "2027-01-31",
        "extra": json.loads(nested(32)),
    }
    response = api.as_user(rep).post("/api/v1/opportunities/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("amount", [ARABIC_INDIC_123, FULLWIDTH_5, f"1{ARABIC_INDIC_123}.00"])
def test_an_amount_in_other_digits_is_a_400_naming_the_field(api, rep, amount):
    body = {
        "name": "Deal",
        "account": AccountFactory().pk,
        "amount": amount,
        "currency": "EUR",
        "close_date": "2027-01-31",
    }
    response = api.as_user(rep).post("/api/v1/opportunities/", body, format="json")
    assert response.status_code == 400
    assert response.json()["amount"] == ["Write the amount with the digits 0-9 (e.g. 1250.00)."]
    assert not Opportunity.objects.exists()


def test_a_deal_desk_amount_in_other_digits_is_refused(api, rep):
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    body = {
        "opportunity": opportunity.pk,
        "list_amount": ARABIC_INDIC_123,
        "net_amount": "100",
        "term_months": 12,
        "payment_terms": "net_30",
        "billing_frequency": "annually",
        "justification": "Competitive",
    }
    response = api.as_user(rep).post("/api/v1/deal-desk/requests/", body, format="json")
    assert response.status_code == 400 and "list_amount" in response.json()
    assert not DealRequest.objects.exists()


def test_the_deal_form_refuses_other_digits(client, rep):
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    client.force_login(rep)
    response = client.post(
        "/sales/deals/new/",
        {
            "opportunity": opportunity.pk,
            "list_amount": ARABIC_INDIC_123,
            "net_amount": "100",
            "currency": "EUR",
            "term_months": 12,
            "payment_terms": "net_30",
            "billing_frequency": "annually",
            "justification": "Competitive",
            "action": "draft",
        },
    )
    assert response.status_code == 400
    assert "digits 0-9" in " ".join(response.context["form"].errors["list_amount"])
    assert not DealRequest.objects.exists()


def test_spend_amounts_from_files_and_the_api_refuse_other_digits():
    with pytest.raises(ApplicationError) as caught:
        as_money(ARABIC_INDIC_123, field="amount")
    assert caught.value.field == "amount" and "digits 0-9" in caught.value.message
    assert str(as_money("1,250.00", field="amount")) == "1250.00"


def test_every_workbench_money_field_refuses_other_digits():
    field = AmountFormField(max_digits=14, decimal_places=2)
    with pytest.raises(ValidationError, match="digits 0-9"):
        field.clean(ARABIC_INDIC_123)
    assert str(field.clean("12.50")) == "12.50"


def test_a_workbench_model_form_uses_the_amount_field(admin_client, admin_user):
    opportunity = OpportunityFactory(owner=admin_user)
    response = admin_client.get(reverse("admin:core_opportunity_change", args=[opportunity.pk]))
    assert response.status_code == 200
    assert isinstance(response.context["adminform"].form.fields["amount"], AmountFormField)


@pytest.mark.parametrize("make", ["program", "delegation"])
def test_history_pages_of_models_without_change_history_show_the_admin_log(admin_client, rep, manager, make):
    if make == "program":
        record = Program.objects.create(name="Launch")
    else:
        today = dt.date(2026, 12, 1)
        record = ApprovalDelegation.objects.create(approver=manager, delegate=rep, starts_on=today, ends_on=today)
    url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_history", args=[record.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Change history" in response.content.decode()
