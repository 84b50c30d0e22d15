"""Portal pages: sign-in, and a home page whose content follows the role."""

import pytest

from apps.core.factories import LeadFactory, OpportunityFactory
from apps.core.models import LeadStage


def test_the_home_page_needs_a_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_login_page_renders_without_external_assets(client, db):
    page = client.get("/login/").content.decode()
    assert "Sign in to smops" in page
    assert "http://" not in page and "https://" not in page


@pytest.mark.parametrize(
    ("role", "scope_text"),
    [
        ("rep", "Your leads and pipeline."),
        ("manager", "Your team"),
        ("sales_ops", "across every team"),
        ("marketing_ops", "across every team"),
        ("admin_user", "across every team"),
    ],
)
def test_each_role_gets_its_home_page(client, request, role, scope_text):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert scope_text in page


def test_a_rep_home_counts_only_their_leads(client, rep, other_rep):
    LeadFactory.create_batch(2, owner=rep, stage=LeadStage.SQL)
    LeadFactory.create_batch(5, owner=other_rep, stage=LeadStage.SQL)
    client.force_login(rep)
    stages = {value: count for value, _label, count in client.get("/").context["lead_stages"]}
    assert stages[LeadStage.SQL] == 2


def test_a_manager_home_lists_the_team(client, manager, rep):
    LeadFactory(owner=rep, stage=LeadStage.SQL)
    OpportunityFactory(owner=rep, amount=1000, currency="USD")
    client.force_login(manager)
    response = client.get("/")
    team = {member.username: member.handed_off for member in response.context["team"]}
    assert team == {"rita": 1}
    assert [(line.n, line.total) for line in response.context["pipeline"]] == [(1, 1000)]


def test_sign_out_needs_a_post_and_ends_the_session(client, rep):
    client.force_login(rep)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
