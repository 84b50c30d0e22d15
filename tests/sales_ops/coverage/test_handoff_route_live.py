"""The hand-off page's routing preview, loaded into a row in place (htmx) when a lead is picked on the list or another
owner is named on the preview page: the row's fragment alone, the same preview as the preview page's, nothing
written; for those who hand leads off only; bad input a 400 naming the field."""

import re

import pytest

from apps.core.models import Lead, LeadStage
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.coverage.models import RoutingDecision
from tests.sales_ops.coverage.conftest import mql_lead

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def route(lead_id: int) -> str:
    return f"/sales/handoff/route/{lead_id}/"


@pytest.fixture
def dach_routing(dach, ana, bo):
    """German leads go to EMEA-DACH, whose members Ana and Bo take turns (Ana first)."""
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo)
    return dach


@pytest.fixture
def lead(dach_routing):
    return mql_lead(country="DE")


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_each_row_of_the_list_loads_its_preview_when_picked(client, marketing_ops, lead):
    client.force_login(marketing_ops)
    page = client.get("/sales/handoff/").content.decode()

    row = re.search(rf'<tr id="lead-{lead.pk}"[^>]*>', page).group(0)
    assert f'hx-get="{route(lead.pk)}" hx-trigger="change" hx-include="this"' in row
    assert f'hx-target="#route-{lead.pk}"' in row
    assert f'<td class="route preview" id="route-{lead.pk}" aria-live="polite"></td>' in page


def test_a_picked_lead_gets_routings_choice_and_why_alone(client, marketing_ops, lead):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk}, headers=HX)

    assert answer.status_code == 200
    assert "<html" not in answer.content.decode() and "<tr" not in answer.content.decode()
    assert text(answer) == "Ana Alves Round robin in EMEA-DACH (country DE)"
    assert not RoutingDecision.objects.exists()  # a preview writes nothing
    assert "HX-Request" in answer["Vary"]


def test_unpicking_the_lead_empties_the_cell(client, marketing_ops, lead):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), headers=HX)

    assert answer.status_code == 200
    assert answer.content == b""


def test_naming_another_owner_shows_them_and_routings_choice(client, marketing_ops, lead, bo):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk, f"owner_{lead.pk}": bo.pk}, headers=HX)

    assert text(answer) == "Bo Berg Named by you; routing would choose Ana Alves: round robin in EMEA-DACH (country DE)"


def test_the_preview_page_shows_the_owner_named_on_it(client, marketing_ops, lead, bo):
    client.force_login(marketing_ops)
    page = client.get("/sales/handoff/preview/", {"lead": lead.pk, f"owner_{lead.pk}": bo.pk}).content.decode()

    cell = re.search(rf'<td class="preview" id="route-{lead.pk}" aria-live="polite">(.*?)</td>', page, re.S).group(1)
    assert "Bo Berg" in cell and "Named by you" in cell
    row = re.search(rf'<tr data-lead="{lead.pk}"[^>]*>', page).group(0)
    assert f'hx-get="{route(lead.pk)}"' in row and 'hx-include="this"' in row


def test_a_lead_with_an_owner_keeps_them_as_the_hand_off_would(client, marketing_ops, dach_routing, bo):
    owned = mql_lead(country="DE")
    Lead.objects.filter(pk=owned.pk).update(owner=bo)
    client.force_login(marketing_ops)

    assert text(client.get(route(owned.pk), {"lead": owned.pk}, headers=HX)) == "Bo Berg Keeps its owner Bo Berg"


def test_a_lead_handed_off_meanwhile_says_so_whoever_is_named(client, marketing_ops, lead, bo):
    Lead.objects.filter(pk=lead.pk).update(stage=LeadStage.SQL)
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk, f"owner_{lead.pk}": bo.pk}, headers=HX)

    assert text(answer) == "It is sales qualified (handed to sales) now, and will not be handed off"


@pytest.mark.parametrize("owner", ["nobody", "0"])
def test_an_owner_who_is_not_an_active_rep_is_a_400_naming_the_field(client, marketing_ops, lead, owner):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk, f"owner_{lead.pk}": owner}, headers=HX)

    assert answer.status_code == 400
    assert answer.content.decode() == f"owner_{lead.pk}: Pick an active rep or manager."


def test_marketing_ops_may_not_be_named_owner(client, marketing_ops, lead):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk, f"owner_{lead.pk}": marketing_ops.pk}, headers=HX)

    assert answer.status_code == 400


def test_an_unknown_lead_is_a_404(client, marketing_ops, db):
    client.force_login(marketing_ops)

    assert client.get(route(999_999), {"lead": 999_999}, headers=HX).status_code == 404


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_sales_may_not_preview_the_hand_off(client, request, role, lead):
    client.force_login(request.getfixturevalue(role))

    answer = client.get(route(lead.pk), {"lead": lead.pk}, headers=HX)

    assert answer.status_code == 403
    assert "Ana Alves" not in answer.content.decode()


def test_a_signed_out_fetch_sends_the_page_to_sign_in(client, lead):
    answer = client.get(
        route(lead.pk), {"lead": lead.pk}, headers={**HX, "HX-Current-URL": "http://testserver/sales/handoff/"}
    )

    assert answer.status_code == 200
    assert answer["HX-Redirect"] == "/login/?next=/sales/handoff/"
    assert answer.content == b""


def test_without_htmx_the_address_is_the_preview_page_of_that_lead(client, marketing_ops, lead):
    client.force_login(marketing_ops)

    answer = client.get(route(lead.pk), {"lead": lead.pk})

    assert answer.status_code == 302
    assert answer["Location"] == f"/sales/handoff/preview/?lead={lead.pk}"
    assert "Ana Alves" in client.get(answer["Location"]).content.decode()
