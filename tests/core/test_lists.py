"""The portal's lists (apps/core/lists.py, list_views.py, record_lists.py): the same rows as the API for the same
filter, sorts and keyset pages, CSV, saved filters, bulk moves with a result per row, and the htmx fragment."""

import csv
import datetime as dt
import io

import pytest
import time_machine

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, OpportunityFactory, UserFactory
from apps.core.models import Lead, LeadStage, OpportunityStage, Role, SavedFilter
from apps.core.models.customers import Segment
from tests.lists import api_ids, page_ids

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


# --- one FilterSet per model: the page and the API return the same rows -----------------------------------------


def test_leads_page_and_api_agree(client, api, sales_ops):
    wanted = LeadFactory(stage=LeadStage.MQL, account=AccountFactory(segment=Segment.ENTERPRISE, name="Acme Corp"))
    LeadFactory(stage=LeadStage.MQL, account=AccountFactory(segment=Segment.SMB, name="Acme Small"))
    LeadFactory(stage=LeadStage.NEW, account=AccountFactory(segment=Segment.ENTERPRISE, name="Acme Other"))
    client.force_login(sales_ops)
    query = "stage=mql&segment=enterprise&q=acme"
    assert page_ids(client, f"/leads/?{query}") == api_ids(api.as_user(sales_ops), f"/api/v1/leads/?{query}")
    assert page_ids(client, f"/leads/?{query}") == {wanted.pk}


def test_opportunities_page_and_api_agree(client, api, rep):
    wanted = OpportunityFactory(owner=rep, stage=OpportunityStage.PROPOSAL, name="Big renewal")
    OpportunityFactory(owner=rep, stage=OpportunityStage.PROSPECTING, name="Big new logo")
    OpportunityFactory(stage=OpportunityStage.PROPOSAL, name="Big but not mine")
    client.force_login(rep)
    query = "stage=proposal&q=big"
    assert page_ids(client, f"/opportunities/?{query}") == api_ids(api.as_user(rep), f"/api/v1/opportunities/?{query}")
    assert page_ids(client, f"/opportunities/?{query}") == {wanted.pk}


def test_accounts_page_and_api_agree(client, api, rep):
    wanted = AccountFactory(name="Globex Enterprise", segment=Segment.ENTERPRISE, country="DE")
    AccountFactory(name="Globex Small", segment=Segment.SMB, country="DE")
    AccountFactory(name="Initech", segment=Segment.ENTERPRISE, country="DE")
    client.force_login(rep)
    query = "q=globex&segment=enterprise&country=de"
    assert page_ids(client, f"/accounts/?{query}") == api_ids(api.as_user(rep), f"/api/v1/accounts/?{query}")
    assert page_ids(client, f"/accounts/?{query}") == {wanted.pk}


def test_contacts_page_and_api_agree(client, api, rep):
    account = AccountFactory(segment=Segment.MID_MARKET)
    wanted = ContactFactory(account=account, first_name="Ada", last_name="Lovelace")
    ContactFactory(account=account, first_name="Ada", last_name="Withdrawn", consent_status="withdrawn")
    ContactFactory(first_name="Grace", last_name="Hopper")
    client.force_login(rep)
    query = f"q=ada&account={account.pk}&can_be_emailed=true"
    assert page_ids(client, f"/contacts/?{query}") == api_ids(api.as_user(rep), f"/api/v1/contacts/?{query}")
    assert page_ids(client, f"/contacts/?{query}") == {wanted.pk}


# --- sorting and keyset pages --------------------------------------------------------------------------------------


def test_a_sort_the_list_does_not_offer_is_a_400_naming_the_sorts(client, rep):
    client.force_login(rep)
    response = client.get("/leads/?sort=password")
    assert response.status_code == 400
    page = response.content.decode()
    assert "“password” is not a sort this list offers" in page and "score" in page


def test_an_unknown_filter_value_is_a_400_naming_the_filter(client, rep):
    client.force_login(rep)
    response = client.get("/opportunities/?stage=won-ish")
    assert response.status_code == 400
    assert "Stage:" in response.content.decode()


def test_the_filters_keep_their_labels_after_the_api_schema_was_generated(client, rep):
    client.force_login(rep)
    assert client.get("/api/schema/").status_code == 200
    response = client.get("/opportunities/?stage=won-ish")
    assert response.status_code == 400 and "Stage: Select a valid choice." in response.content.decode()
    assert response.context["filterset"].form.fields["stage"].label == "Stage"


def test_keyset_pages_walk_every_row_once_in_order_and_back(client, rep):
    for score in range(120):
        LeadFactory(owner=rep, score=score % 7)
    client.force_login(rep)
    seen, path, pages = [], "/leads/?sort=score", []
    while path:
        response = client.get(path)
        page = response.context["page"]
        pages.append([lead.pk for lead in page.rows])
        seen.extend(page.rows)
        path = f"/leads/?sort=score&after={page.next_cursor}" if page.next_cursor else None
    assert len(pages) == 3 and len(seen) == 120 and len({lead.pk for lead in seen}) == 120
    keys = [(-lead.score, -lead.pk) for lead in seen]
    assert keys == sorted(keys)
    last = client.get(f"/leads/?sort=score&after={_cursor_after(client, 1)}").context["page"]
    back = client.get(f"/leads/?sort=score&before={last.previous_cursor}").context["page"]
    assert [lead.pk for lead in back.rows] == pages[1]


def _cursor_after(client, pages: int) -> str:
    cursor, path = "", "/leads/?sort=score"
    for _ in range(pages + 1):
        cursor = client.get(path).context["page"].next_cursor
        path = f"/leads/?sort=score&after={cursor}"
    return cursor


def test_a_forged_page_cursor_is_a_400(client, rep):
    LeadFactory(owner=rep)
    client.force_login(rep)
    response = client.get("/leads/?after=WzEsMl0:forged")
    assert response.status_code == 400
    assert "page link is not valid" in response.content.decode()


def test_the_query_count_does_not_grow_with_the_rows(client, rep, django_assert_max_num_queries):
    LeadFactory.create_batch(5, owner=rep)
    client.force_login(rep)
    client.get("/leads/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/leads/")
    LeadFactory.create_batch(45, owner=rep)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/leads/")


# --- CSV -------------------------------------------------------------------------------------------------------


def test_the_csv_holds_the_whole_filtered_list_in_machine_values(client, rep):
    for _ in range(60):
        LeadFactory(owner=rep, stage=LeadStage.SQL, score=5)
    LeadFactory(owner=rep, stage=LeadStage.NEW)
    formula = LeadFactory(owner=rep, stage=LeadStage.SQL, account=AccountFactory(name="=HYPERLINK(1)"))
    client.force_login(rep)
    response = client.get("/leads/?stage=sql&export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 61 and {row["stage"] for row in rows} == {"sql"}
    assert next(row for row in rows if row["id"] == str(formula.pk))["account"] == "'=HYPERLINK(1)"
    assert rows[0]["created_at"].startswith("2026-11-23")


# --- saved filters -------------------------------------------------------------------------------------------------


def test_a_saved_filter_is_listed_and_reproduces_the_list(client, rep):
    client.force_login(rep)
    response = client.post("/leads/?stage=sql&sort=score", {"save_filter": "Hot ones"})
    assert response.status_code == 302 and response["Location"] == "/leads/?stage=sql&sort=score"
    saved = SavedFilter.objects.get(user=rep, list_name="leads")
    assert (saved.name, saved.query) == ("Hot ones", "stage=sql&sort=score")
    assert 'href="?stage=sql&amp;sort=score">Hot ones</a>' in client.get("/leads/").content.decode()


def test_filters_that_do_not_validate_are_not_saved(client, rep):
    client.force_login(rep)
    response = client.post("/leads/?stage=bogus", {"save_filter": "Broken"})
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_nobody_removes_another_persons_saved_filter(client, rep, other_rep):
    theirs = SavedFilter.objects.create(user=other_rep, list_name="leads", name="Mine", query="stage=sql")
    client.force_login(rep)
    response = client.post("/leads/", {"delete_filter": theirs.pk}, follow=True)
    assert "does not exist" in response.content.decode()
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_saved_filters_are_private(client, rep, other_rep):
    SavedFilter.objects.create(user=other_rep, list_name="leads", name="Otto's view", query="stage=sql")
    client.force_login(rep)
    assert "Otto&#x27;s view" not in client.get("/leads/").content.decode()


# --- bulk moves ----------------------------------------------------------------------------------------------------


def test_marketing_qualifies_in_bulk_with_a_result_per_row(client, marketing_ops):
    new = LeadFactory.create_batch(2, stage=LeadStage.NEW)
    already = LeadFactory(stage=LeadStage.SAL)
    client.force_login(marketing_ops)
    ids = [lead.pk for lead in [*new, already]]
    response = client.post("/leads/?stage=new", {"bulk": "qualify", "ids": ids})
    assert response.status_code == 302 and response["Location"] == "/leads/?stage=new"
    assert set(Lead.objects.filter(pk__in=ids).values_list("stage", flat=True)) == {LeadStage.MQL, LeadStage.SAL}
    texts = [str(m) for m in client.get("/leads/").context["messages"]]
    assert sum(text.endswith(": qualified.") for text in texts) == 2, texts
    assert any(f"Lead #{already.pk}" in text and "refused" in text for text in texts)
    assert "Qualify: 2 of 3 done, the rest left as they were." in texts


def test_a_bulk_move_over_rows_the_viewer_does_not_see_leaves_them_alone(client, manager, rep, other_rep):
    mine = LeadFactory(owner=rep, stage=LeadStage.SQL)
    theirs = LeadFactory(owner=other_rep, stage=LeadStage.SQL)
    new_owner = UserFactory(roles=[Role.REP], manager=manager)
    client.force_login(manager)
    client.post("/leads/", {"bulk": "reassign", "reassign-owner": new_owner.pk, "ids": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.owner_id, theirs.owner_id) == (new_owner.pk, other_rep.pk)
    texts = [str(m) for m in client.get("/leads/").context["messages"]]
    assert f"#{theirs.pk}: not among the leads you may see; left alone." in texts


def test_a_rep_is_offered_no_bulk_hand_off_and_cannot_post_one(client, rep):
    lead = LeadFactory(owner=rep, stage=LeadStage.MQL)
    client.force_login(rep)
    page = client.get("/leads/").content.decode()
    assert 'value="hand_off"' not in page and 'value="qualify"' not in page
    assert client.post("/leads/", {"bulk": "hand_off", "ids": [lead.pk]}).status_code == 403
    lead.refresh_from_db()
    assert lead.stage == LeadStage.MQL


def test_a_bulk_move_missing_its_reason_does_nothing(client, sales_ops):
    leads = LeadFactory.create_batch(2, stage=LeadStage.SQL)
    client.force_login(sales_ops)
    response = client.post("/leads/", {"bulk": "recycle", "recycle-reason": "", "ids": [lead.pk for lead in leads]})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert set(Lead.objects.values_list("stage", flat=True)) == {LeadStage.SQL}


def test_too_many_rows_at_once_is_refused_whole(client, marketing_ops):
    lead = LeadFactory(stage=LeadStage.NEW)
    client.force_login(marketing_ops)
    response = client.post("/leads/", {"bulk": "qualify", "ids": [lead.pk, *range(10**6, 10**6 + 200)]})
    assert response.status_code == 400
    assert "at most 200 at a time" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW


# --- htmx ----------------------------------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results(client, rep):
    LeadFactory(owner=rep)
    client.force_login(rep)
    response = client.get("/leads/?q=x", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="list-results"') and "<html" not in body


def test_an_htmx_history_restore_gets_the_whole_page(client, rep):
    client.force_login(rep)
    response = client.get("/leads/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()
