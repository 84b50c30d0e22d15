"""Territories in the admin: the tree with its routing inline, refusals as form errors naming the field with
nothing written, and the "who gets this lead" tester (a preview: nothing written)."""

import pytest
from django.urls import reverse

from apps.core.models import Territory
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRule
from tests.sales_ops.coverage.conftest import mql_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, sales_ops):
    client.force_login(sales_ops)
    return client


def territory_form(territory, *, rules=(), members=(), **changes) -> dict:
    data = {
        "name": territory.name,
        "code": territory.code,
        "parent": territory.parent_id or "",
        "manager": "",
        "calendar": territory.calendar_id,
        "routing-TOTAL_FORMS": 1,
        "routing-INITIAL_FORMS": 0,
        "routing-0-fallback_owner": "",
        "routing_rules-TOTAL_FORMS": len(rules),
        "routing_rules-INITIAL_FORMS": 0,
        "routing_members-TOTAL_FORMS": len(members),
        "routing_members-INITIAL_FORMS": 0,
        **changes,
    }
    for i, rule in enumerate(rules):
        data.update({f"routing_rules-{i}-{k}": v for k, v in {"account": "", "segment": "", **rule}.items()})
    for i, member in enumerate(members):
        data.update({f"routing_members-{i}-{k}": v for k, v in {"cap": "", **member}.items()})
    return data


def change(client, territory, **form):
    return client.post(reverse("admin:core_territory_change", args=[territory.pk]), territory_form(territory, **form))


def test_the_list_shows_the_tree_and_the_tester(ops_client, dach):
    response = ops_client.get(reverse("admin:core_territory_changelist"))

    assert "EMEA › EMEA-DACH" in response.content.decode()
    assert reverse("admin:core_territory_route_tester") in response.content.decode()


def test_sales_ops_give_a_territory_rules_and_members_inline(ops_client, dach, ana):
    response = change(ops_client, dach, rules=[{"country": "de"}], members=[{"user": ana.pk, "weight": 2, "cap": 25}])

    assert response.status_code == 302, response.context["errors"]
    assert TerritoryRule.objects.get(territory=dach).country == "DE"
    assert TerritoryMember.objects.filter(territory=dach, user=ana, weight=2, cap=25).exists()


def test_a_cycle_is_a_form_error_on_parent_and_nothing_is_written(ops_client, emea, dach):
    response = change(ops_client, emea, parent=dach.pk, name="Europe")

    assert response.status_code == 200
    assert "a cycle" in str(response.context["adminform"].form.errors["parent"])
    emea.refresh_from_db()
    assert (emea.parent, emea.name) == (None, "EMEA")


@pytest.mark.parametrize(
    ("member", "field"), [({"weight": 0}, "weight"), ({"weight": 1, "cap": -1}, "cap")], ids=["weight 0", "cap -1"]
)
def test_a_bad_member_is_a_form_error_on_its_field_and_nothing_is_written(ops_client, dach, ana, member, field):
    response = change(ops_client, dach, members=[{"user": ana.pk, **member}], rules=[{"country": "DE"}], name="DACH")

    assert response.status_code == 200
    [members_formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "routing_members"]
    assert field in members_formset.formset.forms[0].errors
    assert not TerritoryMember.objects.exists() and not TerritoryRule.objects.exists()
    assert Territory.objects.get(pk=dach.pk).name == "EMEA-DACH"


def test_a_rule_matching_nothing_is_a_form_error_on_country(ops_client, dach):
    response = change(ops_client, dach, rules=[{"country": "XX"}])

    assert response.status_code == 200
    [rules_formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "routing_rules"]
    assert "not an ISO 3166 country code" in str(rules_formset.formset.forms[0].errors["country"])
    assert not TerritoryRule.objects.exists()


# --- the tester ---------------------------------------------------------------------------------------------------


def test_the_tester_says_who_gets_the_lead_and_why_and_writes_nothing(ops_client, dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana, cap=0)
    TerritoryMemberFactory(territory=dach, user=bo)
    lead = mql_lead()

    response = ops_client.post(reverse("admin:core_territory_route_tester"), {"lead": lead.pk})

    assert response.status_code == 200
    assert response.context["decision"].owner == bo
    assert "round robin in EMEA-DACH (country DE), Ana Alves skipped at cap 0" in response.content.decode()
    assert not RoutingDecision.objects.exists()
    assert set(TerritoryMember.objects.values_list("rr_current", flat=True)) == {0}


def test_the_tester_refuses_an_unknown_lead_naming_it(ops_client, db):
    response = ops_client.post(reverse("admin:core_territory_route_tester"), {"lead": 999_999})

    assert "lead" in response.context["form"].errors


def test_the_tester_is_not_for_staff_who_may_not_preview(client, db):
    from apps.core.factories import UserFactory
    from apps.core.models import Role

    legal = UserFactory(username="lex", roles=[Role.LEGAL], is_staff=True)
    client.force_login(legal)

    assert client.get(reverse("admin:core_territory_route_tester")).status_code == 403
