"""The budget API: campaigns and their figures, the ledger and the envelopes; who may read and write what."""

import datetime as dt

import pytest
import time_machine

from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import BudgetMove, Campaign, SpendEntry
from tests.marketing_ops.budgets.conftest import D, order, post


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def today_in_april():
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_the_budget_of_a_campaign_shows_every_figure(api, marketing_ops, campaign, today_in_april):
    order(campaign, "300.00")
    post(campaign, "200.00")
    body = api.as_user(marketing_ops).get(f"/api/v1/campaigns/{campaign.pk}/budget/").json()
    assert body == {
        "campaign": campaign.pk,
        "name": "Spring search",
        "planned": "1000.00",
        "committed": "300.00",
        "actual": "200.00",
        "available": "500.00",
        "used_percent": "50.0",
        "burn_rate_per_day": "20.00",
        "projected": "600.00",
        "days_elapsed": 10,
        "days_left": 20,
        "status": "on_track",
        "currency": "USD",
        "thresholds": {"warn_at_percent": 80, "over_at_percent": 100, "projected_over_percent": 10},
    }


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops"])
def test_sales_roles_read_campaigns_and_their_roi_but_not_budgets_or_spend(api, request, role, campaign):
    user = request.getfixturevalue(role)
    client = api.as_user(user)
    (row,) = results(client.get("/api/v1/campaigns/"))
    assert row["name"] == "Spring search" and "planned_amount" not in row
    roi = client.get(f"/api/v1/campaigns/{campaign.pk}/roi/")
    assert roi.status_code == 200 and roi.json()["leads"] == {"sourced": 0, "influenced": 0}
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/budget/").status_code == 403
    assert client.get("/api/v1/spend/").status_code == 403
    assert client.get("/api/v1/budget-envelopes/").status_code == 403
    assert client.post("/api/v1/campaigns/", {"name": "x"}, format="json").status_code == 403


def test_anonymous_callers_are_asked_to_sign_in(api, campaign):
    assert api.get("/api/v1/campaigns/").status_code == 401


def test_marketing_ops_create_a_campaign_with_its_plan(api, marketing_ops, envelope):
    response = api.as_user(marketing_ops).post(
        "/api/v1/campaigns/",
        {
            "name": "Webinar push",
            "channel": "paid_search",
            "owner": marketing_ops.pk,
            "start_date": "2026-04-05",
            "end_date": "2026-05-05",
            "envelope": envelope.pk,
            "planned_amount": "2500.00",
            "expected_leads": 120,
            "expected_pipeline": "50000.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["fiscal_quarter"], body["planned_amount"], body["status"]) == ("2026-Q2", "2500.00", "planned")
    assert BudgetMove.objects.get().actor == marketing_ops


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-04-01"}, "end_date"),
        ({"planned_amount": "20000.00"}, "planned_amount"),
        ({"planned_amount": "-5"}, "planned_amount"),
        ({"planned_amount": "lots"}, "planned_amount"),
        ({"channel": "billboards"}, "channel"),
        ({"channel": "events"}, "envelope"),
        ({"owner": 2**70}, "owner"),
        ({"fiscal_quarter": "2026-Q5"}, "fiscal_quarter"),
    ],
)
def test_bad_campaigns_are_a_400_naming_the_field(api, marketing_ops, envelope, change, field):
    payload = {
        "name": "Bad",
        "channel": "paid_search",
        "owner": marketing_ops.pk,
        "start_date": "2026-04-05",
        "end_date": "2026-05-05",
        "envelope": envelope.pk,
        **change,
    }
    response = api.as_user(marketing_ops).post("/api/v1/campaigns/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Campaign.objects.exists()


def test_the_plan_moves_through_its_actions_with_a_reason(api, marketing_ops, campaign, envelope):
    client = api.as_user(marketing_ops)
    other = CampaignFactory(envelope=envelope)
    response = client.post(f"/api/v1/campaigns/{campaign.pk}/plan/", {"amount": "10500.00", "reason": "Q2 push"})
    assert response.status_code == 400
    assert "exceed it by 500.00" in response.json()["planned_amount"][0]
    assert client.post(f"/api/v1/campaigns/{campaign.pk}/plan/", {"amount": "3000.00"}).status_code == 400
    response = client.post(
        f"/api/v1/campaigns/{campaign.pk}/transfer/", {"to_campaign": other.pk, "amount": "400.00", "reason": "CPL"}
    )
    assert response.json()["planned_amount"] == "600.00"
    response = client.post(f"/api/v1/campaigns/{campaign.pk}/move/", {"status": "completed"})
    assert response.json()["status"] == "completed"
    assert client.post(f"/api/v1/campaigns/{campaign.pk}/move/", {"status": "active"}).status_code == 400


def test_editing_a_campaign_cannot_touch_its_plan(api, marketing_ops, campaign):
    response = api.as_user(marketing_ops).patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"name": "Renamed", "planned_amount": "1.00"}, format="json"
    )
    assert response.status_code == 400
    assert "recorded move" in response.json()["planned_amount"][0]
    response = api.as_user(marketing_ops).patch(f"/api/v1/campaigns/{campaign.pk}/", {"name": "Renamed"})
    assert (response.json()["name"], response.json()["planned_amount"]) == ("Renamed", "1000.00")


def test_spend_is_posted_converted_and_listed(api, marketing_ops, campaign, eur):
    client = api.as_user(marketing_ops)
    response = client.post(
        "/api/v1/spend/",
        {"campaign": campaign.pk, "kind": "committed", "vendor": "Expo", "date": "2026-04-02", "amount": "100.00",
         "currency": "EUR", "external_ref": "PO-7"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert (response.json()["company_amount"], response.json()["source"]) == ("110.0000000000", "api")
    invoice = client.post(
        "/api/v1/spend/",
        {"campaign": campaign.pk, "kind": "actual", "vendor": "Expo", "date": "2026-04-16", "amount": "100.00",
         "currency": "EUR", "settles": response.json()["id"]},
        format="json",
    )  # fmt: skip
    assert invoice.status_code == 201, invoice.content
    assert invoice.json()["settles_amount"] == "100.00"
    assert [row["kind"] for row in results(client.get(f"/api/v1/spend/?campaign={campaign.pk}&currency=eur"))] == [
        "actual",
        "committed",
    ]
    assert len(results(client.get("/api/v1/spend/?kind=committed"))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "ZZZ"}, "currency"),
        ({"currency": "EURO-DOLLARS"}, "currency"),
        ({"kind": "maybe"}, "kind"),
        ({"date": "2026-02-30"}, "date"),
        ({"campaign": 999999}, "campaign"),
        ({"campaign": "x"}, "campaign"),
        ({"currency": "GBP"}, "currency"),
        ({"settles": 2**40}, "settles"),
    ],
)
def test_bad_spend_is_a_400_naming_the_field_and_writes_nothing(api, marketing_ops, campaign, eur, change, field):
    payload = {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "date": "2026-04-02", "amount": "5.00",
               "currency": "EUR", **change}  # fmt: skip
    response = api.as_user(marketing_ops).post("/api/v1/spend/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not SpendEntry.objects.exists()


def test_spend_on_a_cancelled_campaign_is_refused(api, marketing_ops, campaign):
    client = api.as_user(marketing_ops)
    client.post(f"/api/v1/campaigns/{campaign.pk}/move/", {"status": "cancelled"})
    payload = {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "date": "2026-04-02", "amount": "5.00",
               "currency": "USD"}  # fmt: skip
    response = client.post("/api/v1/spend/", payload, format="json")
    assert response.status_code == 400
    assert "cancelled" in response.json()["campaign"][0]


def test_malformed_json_is_a_400(api, marketing_ops):
    response = api.as_user(marketing_ops).post("/api/v1/spend/", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_envelopes_list_what_is_allocated_and_change_only_with_a_reason(api, marketing_ops, campaign, envelope):
    client = api.as_user(marketing_ops)
    (row,) = results(client.get("/api/v1/budget-envelopes/?quarter=2026-Q2"))
    assert (row["amount"], row["allocated"]) == ("10000.00", "1000.00")
    response = client.post(f"/api/v1/budget-envelopes/{envelope.pk}/change/", {"amount": "500.00", "reason": "Cut"})
    assert response.status_code == 400 and "500.00 short" in response.json()["amount"][0]
    other = EnvelopeFactory(team=envelope.team, channel="events", amount=D(0))
    response = client.post(
        f"/api/v1/budget-envelopes/{envelope.pk}/transfer/",
        {"to_envelope": other.pk, "amount": "2000.00", "reason": "Expo"},
    )
    assert response.json()["amount"] == "8000.00"
    created = client.post(
        "/api/v1/budget-envelopes/",
        {"team": envelope.team.pk, "channel": "webinars", "quarter": "2026-Q3", "amount": "4000.00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    again = client.post(
        "/api/v1/budget-envelopes/",
        {"team": envelope.team.pk, "channel": "webinars", "quarter": "2026-Q3", "amount": "1.00"},
        format="json",
    )
    assert again.status_code == 400 and "already has an envelope" in again.json()["channel"][0]


def test_the_campaign_list_reads_in_a_fixed_number_of_queries(
    api, marketing_ops, envelope, django_assert_max_num_queries
):
    for _ in range(15):
        CampaignFactory(envelope=envelope)
    client = api.as_user(marketing_ops)
    with django_assert_max_num_queries(4):
        assert len(results(client.get("/api/v1/campaigns/?status=active"))) == 15
