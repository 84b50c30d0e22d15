"""Marketing's hand-off page: who may open it, the MQL list and its filters, routing's choice before the hand-off, a
bulk hand-off with a result per lead, refusals in words, nothing half-done for a lead that fails."""

import re

import pytest

from apps.core.factories import AccountFactory, LeadFactory, UserFactory
from apps.core.models import Lead, LeadStage, LeadTransition, Role
from apps.core.services import leads
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.coverage.models import RoutingDecision
from apps.sales_ops.models import SlaClock
from tests.sales_ops.coverage.conftest import mql_lead

pytestmark = pytest.mark.django_db

LIST, PREVIEW = "/sales/handoff/", "/sales/handoff/preview/"
STAGE_CODES = re.compile(r"'(new|mql|sql|sal|opportunity|recycled|disqualified)'")


@pytest.fixture
def dach_routing(dach, ana, bo):
    """German leads go to EMEA-DACH, whose members Ana and Bo take turns (Ana first: the lower id)."""
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo)
    return dach


def results_of(client) -> dict[int, str]:
    """The last hand-off's result per lead, as the list page shows them."""
    page = client.get(LIST).content.decode()
    section = re.search(r'id="handoff-results".*?</section>', page, re.S).group(0)
    rows = re.findall(r'<tr data-lead="(\d+)"[^>]*>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>', section)
    return {int(pk): text.strip() for pk, text in rows}


# --- who may ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("marketing_ops", 200), ("sales_ops", 200), ("admin_user", 200), ("manager", 403), ("rep", 403)],
)
def test_the_page_is_for_those_who_hand_leads_off(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(LIST).status_code == status
    assert client.get(PREVIEW, {"lead": 1}).status_code == status


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_sales_may_not_hand_off_by_posting_either(client, request, role, marketing_ops):
    lead = mql_lead()
    client.force_login(request.getfixturevalue(role))
    assert client.post(PREVIEW, {"lead": lead.pk}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.MQL


@pytest.mark.parametrize(
    ("role", "shown"), [("marketing_ops", True), ("sales_ops", True), ("manager", False), ("rep", False)]
)
def test_the_nav_links_the_page_for_ops_only(client, request, role, shown):
    client.force_login(request.getfixturevalue(role))
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', client.get("/").content.decode(), re.S).group(1)
    assert ('href="/sales/handoff/"' in nav) is shown


def test_the_page_needs_a_login(client, db):
    assert client.get(LIST)["Location"].startswith("/login/")


def test_marketing_ops_see_open_leads_without_the_moves_they_may_not_make(client, marketing_ops, rep):
    handed = leads.lead_handoff(lead_id=mql_lead().pk, owner=rep, actor=marketing_ops)
    client.force_login(marketing_ops)
    page = client.get("/sales/leads/").content.decode()
    assert f'data-lead="{handed.pk}"' in page
    assert "lead_accept" not in page and ">Accept</button>" not in page and ">Reject</button>" not in page


# --- the list ----------------------------------------------------------------------------------------------------


def test_the_list_shows_only_marketing_qualified_leads(client, marketing_ops):
    mql = mql_lead()
    others = [LeadFactory(stage=stage) for stage in (LeadStage.NEW, LeadStage.SQL, LeadStage.RECYCLED)]
    client.force_login(marketing_ops)
    page = client.get(LIST, {"stage": "sql"}).content.decode()  # the page's stage is not the request's to pick
    assert f'data-lead="{mql.pk}"' in page
    assert not any(f'data-lead="{lead.pk}"' in page for lead in others)


def test_the_list_filters_by_account_segment_and_country(client, marketing_ops):
    acme_de = mql_lead(account=AccountFactory(name="Acme GmbH", country="DE", segment="enterprise"))
    acme_fr = mql_lead(account=AccountFactory(name="Acme SARL", country="FR", segment="enterprise"))
    small_de = mql_lead(account=AccountFactory(name="Kleinbetrieb", country="DE", segment="smb"))
    client.force_login(marketing_ops)

    def shown(**params) -> set[int]:
        page = client.get(LIST, params).content.decode()
        return {int(pk) for pk in re.findall(r'<tr id="lead-\d+" data-lead="(\d+)"', page)}

    assert shown(q="acme") == {acme_de.pk, acme_fr.pk}
    assert shown(q="acme", country="de") == {acme_de.pk}
    assert shown(segment="smb") == {small_de.pk}


def test_the_page_and_the_api_list_the_same_leads_for_the_same_filter(client, api, marketing_ops):
    kept = mql_lead(account=AccountFactory(name="Acme GmbH", country="DE", segment="enterprise"))
    mql_lead(account=AccountFactory(name="Acme SARL", country="FR", segment="enterprise"))
    client.force_login(marketing_ops)
    params = {"q": "acme", "country": "DE", "segment": "enterprise"}
    page = client.get(LIST, params).content.decode()
    from_api = api.as_user(marketing_ops).get("/api/v1/leads/", {**params, "stage": "mql"}).json()["results"]
    assert [row["id"] for row in from_api] == [kept.pk]
    assert re.findall(r'data-lead="(\d+)"', page) == [str(kept.pk)]


def test_an_unknown_filter_value_is_a_400_naming_the_filter(client, marketing_ops):
    client.force_login(marketing_ops)
    response = client.get(LIST, {"segment": "galactic"})
    assert response.status_code == 400
    assert "Segment:" in response.content.decode()


def test_the_list_is_paged(client, marketing_ops):
    for _ in range(27):
        mql_lead()
    client.force_login(marketing_ops)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert first.count('<tr id="lead-') == 25 and second.count('<tr id="lead-') == 2
    assert "Page 1 of 2" in first


# --- the preview ------------------------------------------------------------------------------------------------


def test_the_preview_shows_whom_routing_would_choose_and_why(client, marketing_ops, dach_routing, ana):
    routed = mql_lead(country="DE")
    owned = mql_lead(country="DE")
    Lead.objects.filter(pk=owned.pk).update(owner=ana)
    client.force_login(marketing_ops)

    page = client.get(PREVIEW, {"lead": [routed.pk, owned.pk]}).content.decode()

    row = re.search(rf'<tr data-lead="{routed.pk}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert "Ana Alves" in row and "Round robin in EMEA-DACH (country DE)" in row
    owned_row = re.search(rf'<tr data-lead="{owned.pk}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert "Keeps its owner Ana Alves" in owned_row
    assert not RoutingDecision.objects.exists()  # a preview writes nothing


def test_the_preview_reads_a_fixed_number_of_queries_per_lead(client, marketing_ops, dach_routing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    picked = [mql_lead(country="DE").pk for _ in range(4)]
    client.force_login(marketing_ops)
    with CaptureQueriesContext(connection) as two:
        client.get(PREVIEW, {"lead": picked[:2]})
    with CaptureQueriesContext(connection) as four:
        client.get(PREVIEW, {"lead": picked})
    per_lead = (len(four) - len(two)) / 2
    assert per_lead <= 6
    assert len(two) - 2 * per_lead <= 12  # the page's own: session, user, leads, owners


def test_picking_nothing_goes_back_to_the_list_with_a_message(client, marketing_ops):
    client.force_login(marketing_ops)
    response = client.get(PREVIEW, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Pick one or more leads to hand off." in response.content.decode()


# --- the hand-off --------------------------------------------------------------------------------------------------


def test_a_bulk_hand_off_gives_a_result_per_lead_and_redirects(client, marketing_ops, dach_routing, ana, bo, cy):
    first, second, third = (mql_lead(country="DE") for _ in range(3))
    client.force_login(marketing_ops)

    response = client.post(PREVIEW, {"lead": [first.pk, second.pk, third.pk], f"owner_{third.pk}": cy.pk})

    assert (response.status_code, response["Location"]) == (302, LIST)
    assert {lead.pk: (lead.stage, lead.owner) for lead in Lead.objects.filter(stage=LeadStage.SQL)} == {
        first.pk: (LeadStage.SQL, ana),
        second.pk: (LeadStage.SQL, bo),  # the round robin's next turn, not the preview's
        third.pk: (LeadStage.SQL, cy),  # named instead of routing's choice
    }
    assert results_of(client) == {
        first.pk: "Handed to Ana Alves",
        second.pk: "Handed to Bo Berg",
        third.pk: "Handed to Cy Cruz",
    }
    assert set(SlaClock.objects.values_list("lead_id", flat=True)) <= {first.pk, second.pk, third.pk}


def test_the_results_are_shown_once(client, marketing_ops, dach_routing):
    lead = mql_lead(country="DE")
    client.force_login(marketing_ops)
    client.post(PREVIEW, {"lead": [lead.pk]})
    assert results_of(client)
    assert 'id="handoff-results"' not in client.get(LIST).content.decode()


def test_a_refused_lead_is_said_in_words_and_the_others_go_ahead(client, marketing_ops, dach_routing, ana, rep):
    taken = mql_lead(country="DE")
    leads.lead_handoff(lead_id=taken.pk, owner=rep, actor=marketing_ops)  # someone handed it off meanwhile
    closed = mql_lead(country="DE")
    leads.lead_disqualify(lead_id=closed.pk, actor=marketing_ops, reason="A student")
    fresh = mql_lead(country="DE")
    client.force_login(marketing_ops)

    client.post(PREVIEW, {"lead": [taken.pk, closed.pk, fresh.pk]})

    results = results_of(client)
    assert results[taken.pk] == f"Refused: it was already handed off to {rep.get_full_name() or rep.username}"
    assert results[closed.pk] == "Refused: it is disqualified now; only marketing-qualified leads are handed off"
    assert results[fresh.pk] == "Handed to Ana Alves"
    assert not any(STAGE_CODES.search(text) for text in results.values())
    assert Lead.objects.get(pk=taken.pk).owner == rep  # untouched


def test_a_lead_routing_cannot_place_leaves_nothing_behind(client, marketing_ops, dach_routing, settings):
    settings.LEAD_ROUTING_QUEUE_OWNER = ""
    nowhere = mql_lead(country="JP")  # no rule matches, no queue owner: routing finds nobody
    placed = mql_lead(country="DE")
    client.force_login(marketing_ops)

    client.post(PREVIEW, {"lead": [nowhere.pk, placed.pk]})

    results = results_of(client)
    assert results[nowhere.pk].startswith("Refused: Routing found nobody to give this lead to (nobody to route to")
    assert results[placed.pk] == "Handed to Ana Alves"
    lead = Lead.objects.get(pk=nowhere.pk)
    assert (lead.stage, lead.owner_id) == (LeadStage.MQL, None)
    assert not RoutingDecision.objects.filter(lead=lead).exists()  # the router's record went with the refusal
    assert not LeadTransition.objects.filter(lead=lead, to_stage=LeadStage.SQL).exists()
    assert not SlaClock.objects.filter(lead=lead).exists()


def test_naming_someone_who_is_no_rep_re_renders_the_form_and_writes_nothing(client, marketing_ops, dach_routing):
    lead = mql_lead(country="DE")
    outsider = UserFactory(roles=[Role.MARKETING_OPS])
    client.force_login(marketing_ops)

    response = client.post(f"{PREVIEW}?lead={lead.pk}", {"lead": [lead.pk], f"owner_{lead.pk}": outsider.pk})

    assert response.status_code == 400
    assert "Pick an active rep or manager." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.MQL
    assert not RoutingDecision.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("bad", ["abc", "²"])  # "²" is a digit to str.isdigit(), not to int()
def test_a_lead_number_that_is_no_number_is_a_400(client, marketing_ops, method, bad):
    client.force_login(marketing_ops)
    response = getattr(client, method)(PREVIEW, {"lead": ["12", bad]})
    assert response.status_code == 400
    assert "Leads are picked by their number." in response.content.decode()


def test_too_many_leads_at_once_are_refused_whole(client, marketing_ops):
    picked = [mql_lead().pk for _ in range(3)]
    client.force_login(marketing_ops)
    from apps.sales_ops.coverage import selectors_handoff

    selectors_handoff.MAX_PICKED, saved = 2, selectors_handoff.MAX_PICKED
    try:
        response = client.post(PREVIEW, {"lead": picked})
    finally:
        selectors_handoff.MAX_PICKED = saved
    assert response.status_code == 400
    assert "Pick at most 2 leads at a time." in response.content.decode()
    assert not Lead.objects.filter(stage=LeadStage.SQL).exists()
