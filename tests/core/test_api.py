"""The REST API: token auth, who sees what, lifecycle actions, bad input as 4xx, flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.factories import DEFAULT_PASSWORD as PASSWORD
from apps.core.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    UserFactory,
)
from apps.core.models import Account, Lead, LeadStage, LeadTransition, Opportunity

# --- authentication ------------------------------------------------------------------------------


def test_token_auth_round_trip(client, rep):
    response = client.post("/api/v1/auth/token/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    answer = client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200


def test_a_wrong_password_gets_no_token(client, rep):
    response = client.post("/api/v1/auth/token/", {"username": "rita", "password": "nope"})
    assert response.status_code == 400
    assert "Unable to log in" in str(response.json())


@pytest.mark.parametrize("url", ["/api/v1/leads/", "/api/v1/accounts/", "/api/v1/contacts/", "/api/v1/opportunities/"])
def test_anonymous_requests_are_refused(client, db, url):
    assert client.get(url).status_code == 401


# --- visibility ----------------------------------------------------------------------------------


@pytest.fixture
def pipeline(rep, other_rep, manager):
    return {
        "rep": LeadFactory(owner=rep, stage=LeadStage.SQL),
        "other": LeadFactory(owner=other_rep, stage=LeadStage.SQL),
        "manager": LeadFactory(owner=manager, stage=LeadStage.SAL),
        "unowned": LeadFactory(owner=None, stage=LeadStage.MQL),
    }


def listed_ids(api, user, url="/api/v1/leads/"):
    response = api.as_user(user).get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_rep_sees_only_their_own_leads(api, rep, pipeline):
    assert listed_ids(api, rep) == {pipeline["rep"].pk}


def test_a_rep_asking_for_another_reps_lead_gets_404(api, rep, pipeline):
    assert api.as_user(rep).get(f"/api/v1/leads/{pipeline['other'].pk}/").status_code == 404


def test_a_rep_cannot_move_another_reps_lead(api, rep, pipeline):
    response = api.as_user(rep).post(f"/api/v1/leads/{pipeline['other'].pk}/accept/")
    assert response.status_code == 404
    assert Lead.objects.get(pk=pipeline["other"].pk).stage == LeadStage.SQL


def test_a_manager_sees_their_team_transitively(api, manager, rep, pipeline):
    vp = UserFactory(username="vp", roles=["manager"])
    manager.manager = vp
    manager.save()
    assert listed_ids(api, manager) == {pipeline["rep"].pk, pipeline["manager"].pk}
    assert listed_ids(api, vp) == {pipeline["rep"].pk, pipeline["manager"].pk}


@pytest.mark.parametrize("role", ["sales_ops", "marketing_ops", "admin_user"])
def test_ops_staff_see_every_lead(api, role, request, pipeline):
    assert listed_ids(api, request.getfixturevalue(role)) == {lead.pk for lead in pipeline.values()}


def test_a_rep_sees_only_their_own_opportunities(api, rep, other_rep):
    mine = OpportunityFactory(owner=rep)
    OpportunityFactory(owner=other_rep)
    assert listed_ids(api, rep, "/api/v1/opportunities/") == {mine.pk}


# --- lifecycle actions ---------------------------------------------------------------------------


def test_marketing_hands_off_and_the_rep_accepts(api, marketing_ops, rep):
    lead = LeadFactory(stage=LeadStage.MQL)
    handed = api.as_user(marketing_ops).post(f"/api/v1/leads/{lead.pk}/handoff/", {"owner": rep.pk}, format="json")
    assert handed.status_code == 200
    assert handed.json()["owner"]["id"] == rep.pk
    accepted = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/accept/")
    assert (accepted.status_code, accepted.json()["stage"]) == (200, "sal")


def test_reject_needs_a_reason(api, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    response = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SQL


def test_reject_with_a_reason_recycles(api, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    response = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/reject/", {"reason": "No budget"}, format="json")
    assert (response.status_code, response.json()["stage"], response.json()["stage_reason"]) == (
        200,
        "recycled",
        "No budget",
    )


def test_convert_creates_the_opportunity(api, rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    response = api.as_user(rep).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"amount": "12000.50", "currency": "EUR"}, format="json"
    )
    assert response.status_code == 201
    assert Opportunity.objects.get(source_lead=lead).amount == pytest.approx(12000.50)


def test_an_illegal_move_is_a_400_with_the_reason_and_writes_nothing(api, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    response = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 400
    assert (
        "This lead is Sales qualified (handed to sales), so it cannot become Converted to opportunity"
        in (response.json()["detail"])
    )
    assert not LeadTransition.objects.filter(lead=lead).exists()
    assert not Opportunity.objects.exists()


def test_a_forbidden_move_on_a_visible_lead_is_403(api, rep):
    lead = LeadFactory(stage=LeadStage.MQL, owner=rep)
    response = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/handoff/", {"owner": rep.pk}, format="json")
    assert response.status_code == 403


def test_ops_create_leads_and_reps_may_not(api, marketing_ops, rep):
    contact = ContactFactory()
    created = api.as_user(marketing_ops).post("/api/v1/leads/", {"contact": contact.pk, "score": 70}, format="json")
    assert (created.status_code, created.json()["stage"]) == (201, "new")
    refused = api.as_user(rep).post("/api/v1/leads/", {"contact": contact.pk}, format="json")
    assert refused.status_code == 403


# --- bad input -----------------------------------------------------------------------------------


def test_malformed_json_is_a_400(api, sales_ops):
    response = api.as_user(sales_ops).post(
        "/api/v1/accounts/", data='{"name": "Acme",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_wrong_types_name_the_field(api, sales_ops):
    response = api.as_user(sales_ops).post(
        "/api/v1/accounts/", {"name": "Acme", "domain": "acme.example", "employees": "lots"}, format="json"
    )
    assert response.status_code == 400
    assert "employees" in response.json()
    assert not Account.objects.exists()


def test_huge_strings_are_refused_by_name(api, sales_ops):
    response = api.as_user(sales_ops).post(
        "/api/v1/accounts/", {"name": "A" * 100_000, "domain": "acme.example"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()


def test_a_duplicate_domain_is_a_400_naming_the_domain(api, sales_ops):
    AccountFactory(domain="acme.example")
    response = api.as_user(sales_ops).post(
        "/api/v1/accounts/", {"name": "Acme", "domain": "HTTPS://ACME.example"}, format="json"
    )
    assert response.status_code == 400
    assert "acme.example" in response.json()["domain"][0]


def test_an_unknown_id_in_the_body_is_a_400(api, marketing_ops):
    response = api.as_user(marketing_ops).post("/api/v1/leads/", {"contact": 987654}, format="json")
    assert response.status_code == 400
    assert "contact" in response.json()


@pytest.mark.parametrize("value", [99999999999999999999999, -1, "1e400", None, [1]])
def test_out_of_range_or_odd_ids_in_the_body_are_400s(api, marketing_ops, value):
    response = api.as_user(marketing_ops).post("/api/v1/leads/", {"contact": value}, format="json")
    assert response.status_code == 400


def test_an_unknown_id_in_the_url_is_a_404(api, sales_ops):
    assert api.as_user(sales_ops).get("/api/v1/leads/987654/").status_code == 404
    assert api.as_user(sales_ops).get("/api/v1/leads/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["owner=99999999999999999999999", "owner=1.5", "account=-3", "score_min=abc", "stage=won", "created_after=x"],
)
def test_bad_filters_are_400s_not_500s(api, sales_ops, query):
    response = api.as_user(sales_ops).get(f"/api/v1/leads/?{query}")
    assert response.status_code == 400


def test_a_filter_narrows_the_list(api, sales_ops, rep, other_rep):
    mine = LeadFactory(owner=rep, stage=LeadStage.SQL)
    LeadFactory(owner=other_rep, stage=LeadStage.SQL)
    LeadFactory(owner=rep, stage=LeadStage.NEW)
    assert listed_ids(api, sales_ops, f"/api/v1/leads/?owner={rep.pk}&stage=sql") == {mine.pk}


def test_there_is_no_ordering_that_would_break_cursor_pages(api, sales_ops):
    LeadFactory.create_batch(3, owner=sales_ops)
    ids = [row["id"] for row in api.as_user(sales_ops).get("/api/v1/leads/?ordering=score").json()["results"]]
    assert ids == sorted(ids, reverse=True)


def test_a_negative_opportunity_amount_is_refused(api, rep):
    response = api.as_user(rep).post(
        "/api/v1/opportunities/",
        {"name": "Deal", "account": AccountFactory().pk, "amount": "-5", "currency": "EUR", "close_date": "2027-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "amount" in response.json()


def test_an_unknown_currency_is_refused(api, rep):
    response = api.as_user(rep).post(
        "/api/v1/opportunities/",
        {"name": "Deal", "account": AccountFactory().pk, "amount": "5", "currency": "ABC", "close_date": "2027-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "currency" in response.json()


def test_a_rep_cannot_give_an_opportunity_to_another_rep(api, rep, other_rep):
    response = api.as_user(rep).post(
        "/api/v1/opportunities/",
        {
            "name": "Deal",
            "account": AccountFactory().pk,
            "owner": other_rep.pk,
            "amount": "5",
            "currency": "EUR",
            "close_date": "2027-01-31",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Opportunity.objects.exists()


def test_reps_cannot_write_accounts(api, rep):
    response = api.as_user(rep).post("/api/v1/accounts/", {"name": "Acme", "domain": "acme.example"}, format="json")
    assert response.status_code == 403


def test_a_consent_change_through_the_api_is_stamped(api, sales_ops):
    contact = ContactFactory()
    response = api.as_user(sales_ops).patch(f"/api/v1/contacts/{contact.pk}/", {"email_opt_out": True}, format="json")
    assert response.status_code == 200
    assert response.json()["can_be_emailed"] is False
    assert response.json()["consent_at"] is not None


def test_contacts_filter_by_can_be_emailed(api, sales_ops):
    reachable = ContactFactory()
    ContactFactory(email_opt_out=True)
    assert listed_ids(api, sales_ops, "/api/v1/contacts/?can_be_emailed=true") == {reachable.pk}


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/leads/", lambda owner, n: LeadFactory.create_batch(n, owner=owner, stage=LeadStage.SQL)),
        ("/api/v1/opportunities/", lambda owner, n: OpportunityFactory.create_batch(n, owner=owner)),
        ("/api/v1/accounts/", lambda owner, n: AccountFactory.create_batch(n, owner=owner)),
        ("/api/v1/contacts/", lambda owner, n: ContactFactory.create_batch(n)),
    ],
)
def test_list_query_counts_do_not_grow_with_page_size(api, sales_ops, url, make):
    make(sales_ops, 30)
    client = api.as_user(sales_ops)

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}?page_size={page_size}")
        assert len(response.json()["results"]) == page_size
        return len(captured)

    client.get(url)  # warm up: the user's roles are read once and cached
    assert queries(3) == queries(30)


def test_a_managers_lead_list_query_count_does_not_grow_with_team_size(api, manager, rep):
    LeadFactory.create_batch(5, owner=rep)
    client = api.as_user(manager)
    client.get("/api/v1/leads/")  # warm up: the user's roles are read once and cached
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/leads/")
    for n in range(5):
        LeadFactory.create_batch(2, owner=UserFactory(username=f"extra{n}", manager=manager))
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/leads/")
    assert len(small) == len(large)


# --- schema, docs, health ------------------------------------------------------------------------


def test_openapi_schema_lists_the_lead_actions(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/leads/{id}/accept/" in paths
    assert "/api/v1/auth/token/" in paths


def test_api_docs_are_served_from_local_assets(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_the_lead_rows_match_drfs_own_field_loop(rep):
    """LeadSerializer writes flat rows by hand for speed; DRF's generic loop over the model must agree."""
    from rest_framework import serializers as drf

    from apps.core.api.serializers import LeadSerializer
    from apps.core.selectors import lead_list, lead_rows

    LeadFactory(owner=None)
    for stage in LeadStage.values:
        LeadFactory(owner=rep, stage=stage, contact__first_name="", contact__last_name="Ng")
    rows = {row["id"]: row for row in lead_rows(user=rep.manager)}
    unowned = {row["id"]: row for row in lead_rows(user=UserFactory(username="boss", is_superuser=True))}
    for lead in lead_list(user=UserFactory(username="boss2", is_superuser=True)):
        serializer = LeadSerializer()
        generic = drf.ModelSerializer.to_representation(serializer, lead)
        assert LeadSerializer(rows.get(lead.pk) or unowned[lead.pk]).data == generic
