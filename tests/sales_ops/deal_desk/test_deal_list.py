"""The deal requests' portal list (apps/sales_ops/deal_desk/lists.py) on the engine of apps/core/lists.py: the same
rows as the API for the same filter, visibility, bad input named, CSV in machine values, and the page's quick links."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine

from apps.core.factories import AccountFactory, OpportunityFactory, TerritoryFactory
from apps.core.models import SavedFilter
from apps.core.models.customers import Segment
from apps.sales_ops.deal_desk import services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory
from apps.sales_ops.models import DealRequest
from tests.lists import api_ids, page_ids

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
Status = DealRequest.Status
API = "/api/v1/deal-desk/requests/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def deal(requester, *, account_name="Globex", segment=Segment.ENTERPRISE, net="80000.00", **fields) -> DealRequest:
    account = AccountFactory(name=account_name, segment=segment)
    opportunity = OpportunityFactory(owner=requester, account=account, currency="EUR", name=f"{account_name} deal")
    return DealRequestFactory(opportunity=opportunity, net_amount=Decimal(net), **fields)


def _submitted(requester) -> DealRequest:
    draft = deal(requester)
    return services.deal_request_submit(request_id=draft.pk, actor=requester)


# --- the page and the API return the same rows for the same filter ----------------------------------------------


def test_the_page_and_the_api_agree_on_search_status_segment_and_discount(client, api, sales_ops, rep, other_rep):
    wanted = deal(rep, account_name="Globex Industries", status=Status.SUBMITTED, net="70000.00")
    deal(other_rep, account_name="Globex Small", segment=Segment.SMB, status=Status.SUBMITTED, net="70000.00")
    deal(rep, account_name="Globex Shallow", status=Status.SUBMITTED, net="95000.00")  # 5 % off
    deal(rep, account_name="Globex Approved", status=Status.APPROVED, net="70000.00")
    deal(rep, account_name="Initech", status=Status.SUBMITTED, net="70000.00")
    client.force_login(sales_ops)
    query = "q=globex&status=submitted&status=draft&segment=enterprise&discount_min=15&discount_max=40"
    assert page_ids(client, f"/sales/deals/?{query}") == api_ids(api.as_user(sales_ops), f"{API}?{query}")
    assert page_ids(client, f"/sales/deals/?{query}") == {wanted.pk}


def test_the_page_and_the_api_agree_on_the_submitted_window_and_territory(client, api, sales_ops, rep, frozen):
    berlin = TerritoryFactory(name="Berlin")
    early, late = deal(rep), deal(rep)
    elsewhere = deal(rep)
    for request, when in [(early, T0 - dt.timedelta(days=10)), (late, T0), (elsewhere, T0)]:
        DealRequest.objects.filter(pk=request.pk).update(status=Status.SUBMITTED, submitted_at=when)
    for request in (early, late):
        request.opportunity.account.territory = berlin
        request.opportunity.account.save()
    deal(rep)  # a draft: never submitted, in no window
    client.force_login(sales_ops)
    query = f"submitted_after=2026-11-20&submitted_before=2026-11-24&territory={berlin.pk}"
    assert page_ids(client, f"/sales/deals/?{query}") == api_ids(api.as_user(sales_ops), f"{API}?{query}")
    assert page_ids(client, f"/sales/deals/?{query}") == {late.pk}


def test_waiting_for_your_decision_is_the_same_on_the_page_and_in_the_api(client, api, manager, rep):
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    waiting = _submitted(rep)
    deal(rep)  # the rep's draft: the manager sees it, but it waits on nobody's decision
    client.force_login(manager)
    assert page_ids(client, "/sales/deals/?inbox=true") == api_ids(api.as_user(manager), f"{API}?inbox=true")
    assert page_ids(client, "/sales/deals/?inbox=true") == {waiting.pk}
    assert '<option value="true" selected>Yes</option>' in client.get("/sales/deals/?inbox=true").content.decode()


# --- who sees which rows -------------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_requests_whatever_the_filter(client, rep, other_rep):
    mine = deal(rep, status=Status.SUBMITTED)
    theirs = deal(other_rep, status=Status.SUBMITTED)
    client.force_login(rep)
    assert page_ids(client, "/sales/deals/") == {mine.pk}
    assert page_ids(client, f"/sales/deals/?requester={other_rep.pk}") == set()
    rows = list(csv.DictReader(io.StringIO(_csv(client, "/sales/deals/?export=csv"))))
    assert [row["id"] for row in rows] == [str(mine.pk)] != [str(theirs.pk)]


def test_the_rep_filter_offers_only_the_people_whose_requests_the_viewer_sees(client, rep, other_rep, sales_ops):
    deal(rep)
    deal(other_rep)
    client.force_login(rep)
    offered = dict(client.get("/sales/deals/").context["filterset"].form.fields["requester"].widget.choices)
    assert set(offered) == {"", rep.pk}
    client.force_login(sales_ops)
    offered = dict(client.get("/sales/deals/").context["filterset"].form.fields["requester"].widget.choices)
    assert set(offered) == {"", rep.pk, other_rep.pk}


def test_marketing_ops_open_the_list_and_see_no_request_not_put_to_them(client, marketing_ops, rep):
    deal(rep, status=Status.SUBMITTED)
    client.force_login(marketing_ops)
    response = client.get("/sales/deals/")
    assert response.status_code == 200
    assert response.context["page"].rows == []
    assert "No deal request you may see matches these filters." in response.content.decode()


def test_the_list_needs_a_login(client, db):
    response = client.get("/sales/deals/?export=csv")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- bad input ------------------------------------------------------------------------------------------------------


def test_a_sort_the_list_does_not_offer_is_a_400_naming_it_and_the_offered_ones(client, rep):
    client.force_login(rep)
    response = client.get("/sales/deals/?sort=margin")
    assert response.status_code == 400
    body = response.content.decode()
    assert "“margin” is not a sort this list offers" in body and "discount" in body


@pytest.mark.parametrize(
    ("query", "named"),
    [("status=won", "Status:"), ("discount_min=lots", "Discount at least %:"), ("submitted_after=soon", "Submitted")],
)
def test_an_unknown_filter_value_is_a_400_naming_the_filter(client, rep, query, named):
    deal(rep)
    client.force_login(rep)
    response = client.get(f"/sales/deals/?{query}")
    assert response.status_code == 400
    assert named in response.content.decode()
    assert response.context["page"] is None


def test_the_api_refuses_the_same_unknown_status(api, rep):
    response = api.as_user(rep).get(f"{API}?status=won")
    assert response.status_code == 400 and "status" in response.json()


def test_the_list_offers_no_bulk_move_and_refuses_one(client, rep):
    draft = deal(rep)
    client.force_login(rep)
    assert 'name="bulk"' not in client.get("/sales/deals/").content.decode()
    assert client.post("/sales/deals/", {"bulk": "recall", "ids": [draft.pk]}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- sorting, CSV, saved filters, the quick links --------------------------------------------------------------


def test_the_largest_discount_sorts_first(client, rep):
    small, big, middle = deal(rep, net="95000.00"), deal(rep, net="50000.00"), deal(rep, net="80000.00")
    client.force_login(rep)
    rows = client.get("/sales/deals/?sort=discount").context["page"].rows
    assert [row.pk for row in rows] == [big.pk, middle.pk, small.pk]


def _csv(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode()


def test_the_csv_holds_the_filtered_rows_in_machine_values(client, rep):
    wanted = deal(rep, account_name="=cmd|calc", status=Status.SUBMITTED, net="80000.00")
    DealRequest.objects.filter(pk=wanted.pk).update(submitted_at=T0)
    deal(rep, status=Status.DRAFT)
    client.force_login(rep)
    (row,) = csv.DictReader(io.StringIO(_csv(client, "/sales/deals/?status=submitted&export=csv")))
    assert row["id"] == str(wanted.pk) and row["status"] == "submitted"
    assert (row["net_amount"], row["list_amount"], row["currency"]) == ("80000.00", "100000.00", "EUR")
    assert row["discount_percent"] == "20.00" and row["requester"] == rep.username
    assert row["submitted_at"].startswith("2026-11-23 09:00:00") and row["decided_at"] == ""
    assert row["account"] == "'=cmd|calc"


def test_the_rows_show_labels_and_formatted_amounts(client, rep):
    request = deal(rep, status=Status.CHANGES_REQUESTED, net="80000.00")
    client.force_login(rep)
    body = client.get("/sales/deals/").content.decode()
    row = re.search(rf'<tr id="deals-{request.pk}">(.*?)</tr>', body, re.S).group(1)
    assert "Changes requested" in row and "changes_requested</" not in row
    assert "80,000.00 EUR" in row and "20.00 %" in row


def test_a_saved_filter_of_the_deal_list_reproduces_it(client, rep):
    client.force_login(rep)
    response = client.post("/sales/deals/?status=submitted&sort=discount", {"save_filter": "Under review"})
    assert response.status_code == 302 and response["Location"] == "/sales/deals/?status=submitted&sort=discount"
    saved = SavedFilter.objects.get(user=rep, list_name="deals")
    assert saved.query == "status=submitted&sort=discount"


def test_the_status_links_mark_the_one_shown(client, rep):
    client.force_login(rep)
    tabs = re.search(r'<nav class="tabs status-tabs"[^>]*>(.*?)</nav>', _page(client, "?status=draft"), re.S).group(1)
    assert '<a href="?status=draft" aria-current="page">Drafts</a>' in tabs
    tabs = re.search(r'<nav class="tabs status-tabs"[^>]*>(.*?)</nav>', _page(client, ""), re.S).group(1)
    assert '<a href="/sales/deals/" aria-current="page">All</a>' in tabs


def _page(client, query: str) -> str:
    response = client.get(f"/sales/deals/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_an_htmx_request_gets_only_the_results(client, rep):
    deal(rep)
    client.force_login(rep)
    body = client.get("/sales/deals/?q=globex", headers={"HX-Request": "true"}).content.decode()
    assert body.lstrip().startswith('<section class="card" id="list-results"') and "New request" not in body
