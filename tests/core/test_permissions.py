"""The rules of apps/core/permissions.py: the predicates, the scoping querysets, marketing ops' opportunity writes."""

from decimal import Decimal

import pytest

from apps.core import permissions
from apps.core.factories import LeadFactory, OpportunityFactory, UserFactory
from apps.core.models import LeadStage, Opportunity, Role, User


@pytest.fixture
def vp(manager):
    vp = UserFactory(username="vp", roles=[Role.MANAGER])
    manager.manager = vp
    manager.save()
    return vp


def test_team_of_is_transitive(vp, manager, rep, other_rep):
    assert permissions.team_of(vp) == {vp.pk, manager.pk, rep.pk}


def test_managers_of_climbs_the_chain(vp, manager, rep):
    assert permissions.managers_of(rep.pk) == {manager.pk, vp.pk}


def test_managers_of_stops_at_a_cycle(manager, rep):
    manager.manager = rep
    manager.save()
    assert permissions.managers_of(rep.pk) == {manager.pk}


def test_owns_reads_a_model_and_a_row(rep):
    lead = LeadFactory(owner=rep)
    assert permissions.owns(rep, lead) and permissions.owns(rep, {"owner_id": rep.pk})


def test_manages_owner_up_the_chain_transitively(vp, rep):
    assert permissions.manages_owner(vp, LeadFactory(owner=rep))


def test_manages_owner_needs_the_manager_role(manager, rep):
    manager.groups.clear()
    assert not permissions.manages_owner(User.objects.get(pk=manager.pk), LeadFactory(owner=rep))


def test_manages_owner_is_not_for_a_peer(manager, other_rep):
    assert not permissions.manages_owner(manager, LeadFactory(owner=other_rep))


@pytest.mark.parametrize(
    ("who", "view", "change"),
    [
        ("rep", True, True),
        ("manager", True, True),
        ("other_rep", False, False),
        ("sales_ops", True, True),
        ("marketing_ops", True, False),
        ("admin_user", True, True),
    ],
)
def test_opportunity_rules_by_role(request, rep, who, view, change):
    user = request.getfixturevalue(who)
    opportunity = OpportunityFactory(owner=rep)
    assert user.has_perm("core.may_view_opportunity", opportunity) is view
    assert user.has_perm("core.may_change_opportunity", opportunity) is change


@pytest.mark.parametrize(
    ("who", "stage", "allowed"),
    [
        ("marketing_ops", LeadStage.MQL, True),
        ("marketing_ops", LeadStage.SQL, False),
        ("rep", LeadStage.SQL, True),
        ("other_rep", LeadStage.SQL, False),
        ("sales_ops", LeadStage.SAL, True),
    ],
)
def test_who_may_change_a_lead(request, rep, who, stage, allowed):
    user = request.getfixturevalue(who)
    assert user.has_perm("core.may_change_lead", LeadFactory(owner=rep, stage=stage)) is allowed


def test_only_sales_ops_and_managers_read_the_deal_desk_report(rep, manager, sales_ops, marketing_ops):
    users = (rep, manager, sales_ops, marketing_ops)
    assert [u for u in users if u.has_perm("sales_ops.may_view_deal_report")] == [manager, sales_ops]


def test_a_managers_deal_report_counts_their_team(vp, manager, rep, sales_ops):
    assert permissions.deal_report_requesters(vp) == {vp.pk, manager.pk, rep.pk}
    assert permissions.deal_report_requesters(sales_ops) is None


def test_visible_leads_follow_the_same_rule(manager, rep, other_rep, marketing_ops):
    mine, foreign = LeadFactory(owner=rep), LeadFactory(owner=other_rep)
    assert list(permissions.visible_leads(manager)) == [mine]
    assert set(permissions.visible_leads(marketing_ops)) == {mine, foreign}


def test_sales_ops_assign_rep_and_manager_roles_only(sales_ops, admin_user, rep):
    assert permissions.assignable_roles(sales_ops) == (Role.REP, Role.MANAGER)
    assert permissions.assignable_roles(rep) == ()
    assert set(permissions.assignable_roles(admin_user)) == set(Role.values)


@pytest.mark.parametrize(
    ("target", "allowed"), [("rep", True), ("sales_ops", True), ("marketing_ops", False), ("admin_user", False)]
)
def test_sales_ops_change_users_below_them_and_themselves(request, sales_ops, target, allowed):
    assert sales_ops.has_perm("core.may_change_user", request.getfixturevalue(target)) is allowed


# --- marketing ops and opportunities through the API -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"amount": "1.00"}),
        ("put", "", {"name": "Taken", "amount": "1.00", "currency": "EUR", "close_date": "2027-01-01"}),
        ("post", "move/", {"stage": "proposal"}),
    ],
)
def test_marketing_ops_cannot_change_an_opportunity(api, marketing_ops, rep, method, suffix, body):
    opportunity = OpportunityFactory(owner=rep, amount=Decimal("100.00"))
    before = Opportunity.objects.filter(pk=opportunity.pk).values().get()
    response = getattr(api.as_user(marketing_ops), method)(
        f"/api/v1/opportunities/{opportunity.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == 403
    assert "sales ops" in response.json()["detail"]
    assert Opportunity.objects.filter(pk=opportunity.pk).values().get() == before


def test_marketing_ops_cannot_create_an_opportunity(api, marketing_ops, rep):
    opportunity = OpportunityFactory.build(owner=rep)
    body = {"name": "New", "account": opportunity.account.pk if opportunity.account.pk else None, "amount": "5.00"}
    response = api.as_user(marketing_ops).post("/api/v1/opportunities/", body, format="json")
    assert response.status_code == 403
    assert not Opportunity.objects.filter(name="New").exists()


def test_marketing_ops_still_read_opportunities(api, marketing_ops, rep):
    opportunity = OpportunityFactory(owner=rep)
    assert api.as_user(marketing_ops).get(f"/api/v1/opportunities/{opportunity.pk}/").status_code == 200


def test_the_owner_still_changes_their_opportunity(api, rep):
    opportunity = OpportunityFactory(owner=rep)
    response = api.as_user(rep).patch(f"/api/v1/opportunities/{opportunity.pk}/", {"name": "Mine"}, format="json")
    assert response.status_code == 200
