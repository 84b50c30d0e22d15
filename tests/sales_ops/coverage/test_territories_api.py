"""The territory API: the tree with rules and members; bad input as 400s naming the field with nothing written;
the route preview (who may, what it says, that it writes nothing); a hand-off without an owner through the API."""

import pytest

from apps.core.factories import AccountFactory, BusinessCalendarFactory, TerritoryFactory
from apps.core.models import LeadStage, Territory
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule
from tests.sales_ops.coverage.conftest import mql_lead

pytestmark = pytest.mark.django_db


# --- the tree ------------------------------------------------------------------------------------------------------


def test_the_tree_lists_each_territory_with_its_path_rules_and_members(api, rep, dach, ana):
    TerritoryRuleFactory(territory=dach, country="DE", segment="enterprise")
    TerritoryMemberFactory(territory=dach, user=ana, weight=2, cap=25)

    body = api.as_user(rep).get("/api/v1/territories/").json()

    by_code = {t["code"]: t for t in body}
    assert by_code["emea"]["parent"] is None
    assert by_code["emea-dach"]["parent"] == by_code["emea"]["id"]
    assert by_code["emea-dach"]["path"] == "EMEA › EMEA-DACH"
    assert [r["description"] for r in by_code["emea-dach"]["rules"]] == ["country DE, segment Enterprise"]
    [member] = by_code["emea-dach"]["members"]
    assert (member["user"]["username"], member["weight"], member["cap"]) == ("ana", 2, 25)


def test_the_tree_is_read_in_a_fixed_number_of_queries(api, rep, django_assert_max_num_queries):
    for i in range(8):
        territory = TerritoryFactory(code=f"t-{i}")
        TerritoryRuleFactory(territory=territory, country="", segment="", account=AccountFactory())
        TerritoryMemberFactory(territory=territory)
    client = api.as_user(rep)
    client.get("/api/v1/territories/")  # the session and the user's groups, once

    with django_assert_max_num_queries(7):  # paths, territories, rules, members (+ auth)
        assert len(client.get("/api/v1/territories/").json()) == 8


def test_sales_ops_create_a_territory_under_a_region_with_a_fallback_owner(api, sales_ops, emea, ana):
    calendar = BusinessCalendarFactory()
    body = {"name": "Nordics", "code": "emea-nordics", "calendar": calendar.pk, "parent": emea.pk}

    response = api.as_user(sales_ops).post("/api/v1/territories/", {**body, "fallback_owner": ana.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["path"], response.json()["fallback_owner"]["username"]) == ("EMEA › Nordics", "ana")
    assert TerritoryRouting.objects.get(territory__code="emea-nordics").fallback_owner == ana


@pytest.mark.parametrize("role", ["rep", "manager", "marketing_ops"])
def test_only_sales_ops_change_the_tree(api, request, role, emea):
    response = api.as_user(request.getfixturevalue(role)).patch(
        f"/api/v1/territories/{emea.pk}/", {"name": "Europe"}, format="json"
    )

    assert response.status_code == 403
    emea.refresh_from_db()
    assert emea.name == "EMEA"


# --- bad input: a 400 naming the field, nothing written --------------------------------------------------------------


def test_a_cycle_in_the_tree_is_refused_naming_parent(api, sales_ops, emea, dach):
    sub = TerritoryFactory(code="emea-dach-south", name="DACH South", parent=dach)

    response = api.as_user(sales_ops).patch(f"/api/v1/territories/{emea.pk}/", {"parent": sub.pk}, format="json")

    assert response.status_code == 400
    assert "a cycle" in response.json()["parent"][0]
    emea.refresh_from_db()
    assert emea.parent is None


def test_a_territory_cannot_be_its_own_parent(api, sales_ops, emea):
    response = api.as_user(sales_ops).patch(f"/api/v1/territories/{emea.pk}/", {"parent": emea.pk}, format="json")

    assert (response.status_code, sorted(response.json())) == (400, ["code", "parent"])
    assert response.json()["code"] == "cycle"
    assert Territory.objects.get(pk=emea.pk).parent_id is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": -3}, "weight"),
        ({"cap": -1}, "cap"),
        ({"weight": "many"}, "weight"),
    ],
)
def test_a_bad_member_is_refused_naming_the_field(api, sales_ops, dach, ana, body, field):
    response = api.as_user(sales_ops).post(
        "/api/v1/territory-members/", {"territory": dach.pk, "user": ana.pk, **body}, format="json"
    )

    assert (response.status_code, list(response.json())) == (400, [field])
    assert not TerritoryMember.objects.exists()


def test_changing_a_members_weight_to_zero_is_refused_and_keeps_the_old_one(api, sales_ops, dach, ana):
    member = TerritoryMemberFactory(territory=dach, user=ana, weight=2)

    response = api.as_user(sales_ops).patch(f"/api/v1/territory-members/{member.pk}/", {"weight": 0}, format="json")

    assert (response.status_code, list(response.json())) == (400, ["weight"])
    member.refresh_from_db()
    assert member.weight == 2


def test_someone_who_does_not_sell_cannot_be_a_member(api, sales_ops, dach, marketing_ops):
    response = api.as_user(sales_ops).post(
        "/api/v1/territory-members/", {"territory": dach.pk, "user": marketing_ops.pk}, format="json"
    )

    assert (response.status_code, list(response.json())) == (400, ["user"])
    assert not TerritoryMember.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"country": "XX"}, "country", "not an ISO 3166 country code"),
        ({"country": "Germany"}, "country", ""),
        ({"segment": "galactic"}, "segment", ""),
        ({"account": 999_999}, "account", ""),
        ({}, "country", "matches nothing"),
        ({"country": "", "segment": ""}, "country", "matches nothing"),
    ],
)
def test_a_rule_matching_nothing_is_refused_naming_the_field(api, sales_ops, dach, body, field, words):
    response = api.as_user(sales_ops).post("/api/v1/territory-rules/", {"territory": dach.pk, **body}, format="json")

    assert (response.status_code, list(response.json())) == (400, [field])
    assert words in response.json()[field][0]
    assert not TerritoryRule.objects.exists()


def test_a_named_account_rule_names_the_account_alone(api, sales_ops, dach):
    account = AccountFactory()
    body = {"territory": dach.pk, "account": account.pk, "country": "DE"}

    response = api.as_user(sales_ops).post("/api/v1/territory-rules/", body, format="json")

    assert (response.status_code, list(response.json())) == (400, ["account"])
    assert not TerritoryRule.objects.exists()


def test_a_country_routed_elsewhere_already_is_refused(api, sales_ops, dach, emea):
    TerritoryRuleFactory(territory=emea, country="DE")

    response = api.as_user(sales_ops).post(
        "/api/v1/territory-rules/", {"territory": dach.pk, "country": "de"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["country"] == ["Country DE already routes to EMEA."]
    assert TerritoryRule.objects.count() == 1


def test_a_good_rule_is_saved_with_its_country_in_capitals(api, sales_ops, dach):
    response = api.as_user(sales_ops).post(
        "/api/v1/territory-rules/", {"territory": dach.pk, "country": "at"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["description"] == "country AT"
    assert TerritoryRouting.objects.filter(territory=dach).exists()  # the row routed hand-offs lock


# --- the route preview ------------------------------------------------------------------------------------------------


@pytest.fixture
def routed(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo, cap=0)
    return dach


def test_the_preview_says_who_would_get_the_lead_and_why_and_writes_nothing(api, marketing_ops, routed, ana):
    lead = mql_lead()

    response = api.as_user(marketing_ops).post(f"/api/v1/leads/{lead.pk}/route-preview/")

    assert response.status_code == 200
    assert response.json() == {
        "owner": {"id": ana.pk, "username": "ana", "name": "Ana Alves", "email": "ana@example.com"},
        "territory": {"id": routed.pk, "name": "EMEA-DACH", "code": "emea-dach"},
        "method": "round_robin",
        "reason": "round robin in EMEA-DACH (country DE), Bo Berg skipped at cap 0",
    }
    assert not RoutingDecision.objects.exists()
    assert set(TerritoryMember.objects.values_list("rr_current", flat=True)) == {0}
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (LeadStage.MQL, None)


def test_a_rep_may_not_preview_routing(api, routed, rep):
    lead = mql_lead()
    lead.owner = rep
    lead.save()

    response = api.as_user(rep).post(f"/api/v1/leads/{lead.pk}/route-preview/")

    assert response.status_code == 403


def test_a_manager_previews_their_teams_leads_and_not_others(api, routed, manager, rep, other_rep):
    mine, theirs = mql_lead(), mql_lead()
    mine.owner, theirs.owner = rep, other_rep
    mine.save()
    theirs.save()
    client = api.as_user(manager)

    assert client.post(f"/api/v1/leads/{mine.pk}/route-preview/").status_code == 200
    assert client.post(f"/api/v1/leads/{theirs.pk}/route-preview/").status_code == 404


# --- a hand-off without an owner, through the API ---------------------------------------------------------------------


def test_a_hand_off_without_an_owner_is_routed(api, marketing_ops, routed, ana):
    lead = mql_lead()

    response = api.as_user(marketing_ops).post(f"/api/v1/leads/{lead.pk}/handoff/", {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["owner"]["username"] == "ana"
    decision = RoutingDecision.objects.get(lead=lead)
    assert (decision.owner, decision.actor) == (ana, marketing_ops)


def test_a_hand_off_nobody_can_take_is_a_400_naming_owner(api, marketing_ops, settings, db):
    settings.LEAD_ROUTING_QUEUE_OWNER = ""
    lead = mql_lead(country="FR")

    response = api.as_user(marketing_ops).post(f"/api/v1/leads/{lead.pk}/handoff/", {}, format="json")

    assert (response.status_code, sorted(response.json())) == (400, ["code", "owner"])
    assert response.json()["code"] == "no_route"
    assert "no territory rule matches" in response.json()["owner"][0]
    lead.refresh_from_db()
    assert lead.stage == LeadStage.MQL
    assert not RoutingDecision.objects.exists()
