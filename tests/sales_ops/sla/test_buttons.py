"""A button a user may not use is not shown: marketing ops read the sales stages but are offered no lead moves."""

import pytest

from apps.sales_ops.sla.factories import SlaPolicyFactory
from tests.sales_ops.conftest import handed_off


@pytest.fixture
def lead(rep, marketing_ops):
    SlaPolicyFactory(pause_reasons=["Customer away"])
    return handed_off(rep, marketing_ops)


@pytest.mark.parametrize("page", ["/sales/leads/", "lead"])
def test_marketing_ops_see_the_lead_but_no_moves(client, marketing_ops, lead, page):
    client.force_login(marketing_ops)
    html = client.get(f"/sales/leads/{lead.pk}/" if page == "lead" else page).content.decode()
    assert f"#{lead.pk}" in html or str(lead.contact) in html
    for move in ("/accept/", "/reject/", "/convert/", "/pause/"):
        assert move not in html


@pytest.mark.parametrize("page", ["/sales/leads/", "lead"])
def test_the_owner_is_offered_the_moves(client, rep, lead, page):
    client.force_login(rep)
    html = client.get(f"/sales/leads/{lead.pk}/" if page == "lead" else page).content.decode()
    assert f"/sales/leads/{lead.pk}/accept/" in html and f"/sales/leads/{lead.pk}/reject/" in html
    if page == "lead":
        assert "/pause/" in html
