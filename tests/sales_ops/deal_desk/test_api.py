"""The deal desk API: drafts, the route and timeline, decisions, bad input, visibility by role, delegations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.factories import OpportunityFactory, UserFactory
from apps.core.models import OpportunityStage, Role
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory
from apps.sales_ops.models import (
    ApprovalDelegation,
    DealApprovalStep,
    DealDecision,
    DealEvent,
    DealRequest,
    RuleApprover,
)
from tests import samples

URL = "/api/v1/deal-desk/requests/"
Status = DealRequest.Status


@pytest.fixture
def rule(db):
    """Any discount above 10 % needs the rep's manager."""
    return ApprovalRuleFactory(name="Manager review", discount_over=Decimal("10"))


@pytest.fixture
def opportunity(rep):
    return OpportunityFactory(owner=rep, currency="EUR")


def terms(opportunity, **changes) -> dict:
    return {
        "opportunity": opportunity.pk,
        "list_amount": "100000.00",
        "net_amount": "80000.00",
        "currency": "EUR",
        "term_months": 24,
        "payment_terms": "net_30",
        "justification": "Competitive displacement",
        **changes,
    }


def draft(rep, **fields) -> DealRequest:
    opportunity = fields.pop("opportunity", None) or OpportunityFactory(owner=rep, currency="EUR")
    return DealRequestFactory(opportunity=opportunity, requester=rep, **fields)


def submitted(rep, **fields) -> DealRequest:
    return services.deal_request_submit(request_id=draft(rep, **fields).pk, actor=rep)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def post(client, path, data=None):
    return client.post(path, data or {}, format="json")


# --- drafts -----------------------------------------------------------------------------------------------------


def test_a_rep_opens_a_draft_and_sees_its_discount(api, rep, opportunity):
    response = post(api.as_user(rep), URL, terms(opportunity, ramped_pricing=True))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["discount_percent"], body["revision"]) == ("draft", "20.00", 0)
    assert body["opportunity"]["id"] == opportunity.pk and body["requester"]["id"] == rep.pk
    assert body["ramped_pricing"] is True and body["flags"] == ["ramped_pricing"]
    assert body["route"] == [] and [e["kind"] for e in body["timeline"]] == ["created"]
    assert DealRequest.objects.get().requester == rep


def test_the_currency_defaults_to_the_opportunitys(api, rep):
    opportunity = OpportunityFactory(owner=rep, currency="GBP")
    data = terms(opportunity)
    del data["currency"]
    assert post(api.as_user(rep), URL, data).json()["currency"] == "GBP"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"net_amount": "0"}, "net_amount"),  # a discount of 100 %
        ({"net_amount": "-1"}, "net_amount"),
        ({"net_amount": "100000.01"}, "net_amount"),  # above list
        ({"list_amount": "0"}, "list_amount"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": "twelve"}, "term_months"),
        ({"currency": "XXX"}, "currency"),
        ({"payment_terms": "net_365"}, "payment_terms"),
        ({"payment_terms": "custom"}, "custom_payment_terms"),
        ({"justification": "  "}, "justification"),
        ({"opportunity": 999_999}, "opportunity"),
        ({"opportunity": 10**30}, "opportunity"),
        ({"opportunity": None}, "opportunity"),
    ],
)
def test_bad_terms_are_400s_naming_the_field_and_write_nothing(api, rep, opportunity, changes, field):
    data = terms(opportunity)
    response = post(api.as_user(rep), URL, {**data, **changes})
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not DealRequest.objects.exists() and not DealEvent.objects.exists()


def test_another_reps_or_a_closed_opportunity_is_a_400_naming_it(api, rep, other_rep):
    for opportunity in (
        OpportunityFactory(owner=other_rep),
        OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_WON),
    ):
        response = post(api.as_user(rep), URL, terms(opportunity))
        assert response.status_code == 400
        assert "opportunity" in response.json()
    assert not DealRequest.objects.exists()


def test_a_manager_cannot_open_a_request_on_their_reps_deal(api, manager, opportunity):
    response = post(api.as_user(manager), URL, terms(opportunity))
    assert response.status_code == 400 and "opportunity" in response.json()


def test_a_draft_is_edited_with_patch(api, rep):
    request = draft(rep)
    response = api.as_user(rep).patch(f"{URL}{request.pk}/", {"net_amount": "50000"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["discount_percent"] == "50.00"
    assert DealEvent.objects.filter(request=request, kind=DealEvent.Kind.EDITED).exists()


def test_a_bad_edit_is_a_400_and_changes_nothing(api, rep):
    request = draft(rep)
    response = api.as_user(rep).patch(f"{URL}{request.pk}/", {"net_amount": "100001", "term_months": 36})
    assert response.status_code == 400 and "net_amount" in response.json()
    request.refresh_from_db()
    assert (request.net_amount, request.term_months) == (Decimal("80000.00"), 24)


def test_a_request_under_review_cannot_be_edited(api, rep, rule):
    request = submitted(rep)
    response = api.as_user(rep).patch(f"{URL}{request.pk}/", {"term_months": 36}, format="json")
    assert response.status_code == 409


def test_put_is_not_offered(api, rep):
    request = draft(rep)
    assert api.as_user(rep).put(f"{URL}{request.pk}/", {}, format="json").status_code == 405


# --- preview ----------------------------------------------------------------------------------------------------


def test_the_preview_names_who_would_approve_and_saves_nothing(api, rep, manager, rule, opportunity):
    response = post(api.as_user(rep), f"{URL}preview/", terms(opportunity))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["discount_percent"] == "20.00" and body["problems"] == []
    [step] = body["steps"]
    assert (step["name"], step["mode"]) == ("Manager review", "all")
    [approver] = step["approvers"]
    assert approver["kind"] == "manager" and str(manager) in approver["label"]
    assert [c["id"] for c in approver["candidates"]] == [manager.pk]
    assert not DealRequest.objects.exists() and not DealEvent.objects.exists()


def test_the_preview_within_policy_has_no_step(api, rep, rule, opportunity):
    body = post(api.as_user(rep), f"{URL}preview/", terms(opportunity, net_amount="95000")).json()
    assert body["steps"] == [] and body["problems"] == []


def test_the_preview_shows_why_a_route_cannot_be_staffed(api, other_rep, rule):
    body = post(api.as_user(other_rep), f"{URL}preview/", terms(OpportunityFactory(owner=other_rep))).json()
    assert body["problems"] and "no manager" in body["problems"][0]
    assert body["steps"][0]["problems"] == body["problems"]


def test_a_bad_preview_is_a_400_naming_the_field(api, rep, opportunity):
    response = post(api.as_user(rep), f"{URL}preview/", terms(opportunity, term_months=0))
    assert response.status_code == 400 and "term_months" in response.json()


# --- the lifecycle ----------------------------------------------------------------------------------------------


def test_submitting_routes_the_request_and_shows_the_route(api, rep, manager, rule):
    request = draft(rep)
    response = post(api.as_user(rep), f"{URL}{request.pk}/submit/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["revision"]) == ("submitted", 1)
    [step] = body["route"]
    assert (step["position"], step["name"], step["status"], step["carried_from"]) == (
        1,
        "Manager review",
        "pending",
        None,
    )
    assert step["activated_at"] and step["completed_at"] is None and body["active_step"] == step["id"]
    [approver] = step["approvers"]
    assert approver["candidates"] == [{"id": manager.pk, "name": f"{manager.first_name} {manager.last_name}"}]
    assert approver["approved"] is False and step["decisions"] == []
    assert [e["kind"] for e in body["timeline"]] == ["submitted", "routed", "step_reached"]


def test_opening_and_submitting_read_only_what_they_need(api, rep, rule, opportunity):
    """A draft's validation asks the database nothing (its keys are the rows just read, its CHECKs are said by
    `clean()`); visibility (with who delegates to the caller) is asked once before a move and not again for the
    answer, and not at all for the draft the caller just opened."""
    client = api.as_user(rep)
    client.get(URL)  # warm up: the user's roles are read once and cached
    with CaptureQueriesContext(connection) as opening:
        created = post(client, URL, terms(opportunity))
    assert created.status_code == 201, created.json()
    with CaptureQueriesContext(connection) as submitting:
        assert post(client, f"{URL}{created.json()['id']}/submit/").status_code == 200
    sqls = [query["sql"] for query in opening.captured_queries]
    assert not [sql for sql in sqls if sql.startswith(('SELECT 1 AS "_check"', 'SELECT 1 AS "a" FROM'))]
    for captured, asked in ((opening, 0), (submitting, 1)):
        assert sum("sales_ops_approvaldelegation" in query["sql"] for query in captured.captured_queries) == asked
        assert sum("EXISTS" in query["sql"] for query in captured.captured_queries) == asked


def test_submitting_twice_submits_once(api, rep, rule):
    request = draft(rep)
    client = api.as_user(rep)
    assert post(client, f"{URL}{request.pk}/submit/").status_code == 200
    assert post(client, f"{URL}{request.pk}/submit/").json()["revision"] == 1
    assert DealEvent.objects.filter(request=request, kind=DealEvent.Kind.SUBMITTED).count() == 1


def test_an_unstaffable_route_is_a_400_and_stays_a_draft(api, other_rep, rule):
    request = draft(other_rep)  # other_rep has no manager
    response = post(api.as_user(other_rep), f"{URL}{request.pk}/submit/")
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == Status.DRAFT and not DealApprovalStep.objects.exists()


def test_the_manager_approves_and_the_decision_shows_on_the_route(api, rep, manager, rule):
    request = submitted(rep)
    response = post(api.as_user(manager), f"{URL}{request.pk}/approve/", {"comment": "fine"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["expires_at"]
    [decision] = body["route"][0]["decisions"]
    assert (decision["outcome"], decision["comment"]) == ("approve", "fine")
    assert decision["approver"]["id"] == decision["decided_by"]["id"] == manager.pk
    assert body["route"][0]["approvers"][0]["approved"] is True


def test_rejecting_needs_a_reason(api, rep, manager, rule):
    request = submitted(rep)
    client = api.as_user(manager)
    response = post(client, f"{URL}{request.pk}/reject/", {"comment": "  "})
    assert response.status_code == 400 and "comment" in response.json()
    assert not DealDecision.objects.exists()
    assert post(client, f"{URL}{request.pk}/reject/", {"comment": "Too deep"}).json()["status"] == "rejected"


def test_asking_for_changes_then_resubmitting_routes_a_new_revision(api, rep, manager, rule):
    request = submitted(rep)
    response = post(api.as_user(manager), f"{URL}{request.pk}/request-changes/", {"comment": "Less", "revision": 1})
    assert response.json()["status"] == "changes_requested"
    rep_client = api.as_user(rep)
    assert rep_client.patch(f"{URL}{request.pk}/", {"net_amount": "85000"}, format="json").status_code == 200
    body = post(rep_client, f"{URL}{request.pk}/resubmit/").json()
    assert (body["status"], body["revision"], body["discount_percent"]) == ("submitted", 2, "15.00")
    assert [s["status"] for s in body["route"]] == ["pending"]  # only the current revision's route
    assert body["route"][0]["decisions"] == []


def test_a_decision_on_a_revision_that_moved_on_is_a_409(api, rep, manager, rule):
    request = submitted(rep)
    response = post(api.as_user(manager), f"{URL}{request.pk}/approve/", {"revision": 7})
    assert response.status_code == 409
    assert not DealDecision.objects.exists()


def test_a_recall_ends_the_review_and_a_late_approval_is_a_409(api, rep, manager, rule):
    request = submitted(rep)
    body = post(api.as_user(rep), f"{URL}{request.pk}/recall/", {"reason": "Customer went quiet"}).json()
    assert body["status"] == "recalled"
    assert body["timeline"][-1] == {**body["timeline"][-1], "kind": "recalled", "detail": "Customer went quiet"}
    assert post(api.as_user(manager), f"{URL}{request.pk}/approve/").status_code == 409


def test_nobody_approves_their_own_request(api, rep, manager, rule):
    request = submitted(rep)
    assert post(api.as_user(rep), f"{URL}{request.pk}/approve/").status_code == 403


def test_only_the_rep_submits_or_recalls(api, rep, manager, rule):
    request = draft(rep)
    assert post(api.as_user(manager), f"{URL}{request.pk}/submit/").status_code == 403
    request = submitted(rep)
    assert post(api.as_user(manager), f"{URL}{request.pk}/recall/").status_code == 403


def test_an_approver_not_on_the_current_step_is_refused(api, rep, manager, sales_ops, rule):
    request = submitted(rep)
    assert post(api.as_user(sales_ops), f"{URL}{request.pk}/approve/").status_code == 403


def test_a_file_is_attached_through_a_multipart_upload(api, rep):
    request = draft(rep)
    upload = SimpleUploadedFile("quote.pdf", samples.PDF, content_type="application/pdf")
    response = api.as_user(rep).post(f"{URL}{request.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    [attachment] = response.json()["attachments"]
    assert attachment["name"] == "quote.pdf" and attachment["uploaded_by"]["id"] == rep.pk
    assert response.json()["timeline"][-1]["kind"] == "attached"


def test_an_upload_without_a_file_or_too_big_is_a_400_naming_file(api, rep, settings):
    request = draft(rep)
    client = api.as_user(rep)
    assert "file" in client.post(f"{URL}{request.pk}/attachments/", {}, format="multipart").json()
    settings.UPLOAD_MAX_BYTES = 16
    upload = SimpleUploadedFile("big.pdf", samples.PDF)
    response = client.post(f"{URL}{request.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert not request.attachments.exists()


# --- who sees what ----------------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_requests(api, rep, other_rep):
    mine, theirs = draft(rep), draft(other_rep)
    client = api.as_user(rep)
    assert ids(client.get(URL)) == {mine.pk}
    for path in (f"{URL}{theirs.pk}/", f"{URL}{theirs.pk}/submit/", f"{URL}{theirs.pk}/recall/"):
        response = client.get(path) if path.endswith(f"{theirs.pk}/") else post(client, path)
        assert response.status_code == 404, path
    assert client.patch(f"{URL}{theirs.pk}/", {"term_months": 36}, format="json").status_code == 404


def test_a_manager_sees_their_teams_requests(api, manager, rep, other_rep):
    mine, theirs = draft(rep), draft(other_rep)
    assert ids(api.as_user(manager).get(URL)) == {mine.pk}
    assert api.as_user(manager).get(f"{URL}{theirs.pk}/").status_code == 404


def test_sales_ops_see_every_request(api, sales_ops, rep, other_rep):
    made = {draft(rep).pk, draft(other_rep).pk}
    assert ids(api.as_user(sales_ops).get(URL)) == made


@pytest.fixture
def finance_approver(db):
    return UserFactory(username="fiona", first_name="Fiona", last_name="Fin")


def test_an_approver_sees_what_is_or_was_in_front_of_them(api, rep, other_rep, finance_approver):
    ApprovalRuleFactory(discount_over=Decimal("10"), approvers=[(RuleApprover.Kind.USER, finance_approver)])
    asked, never = submitted(rep), draft(other_rep)
    client = api.as_user(finance_approver)
    assert ids(client.get(URL)) == {asked.pk}
    assert ids(client.get(f"{URL}?inbox=true")) == {asked.pk}
    assert client.get(f"{URL}{never.pk}/").status_code == 404
    detail = post(client, f"{URL}{asked.pk}/approve/").json()
    assert detail["status"] == "approved" and detail["may_decide"] is False
    assert ids(client.get(URL)) == {asked.pk}  # decided: still theirs to look at
    assert ids(client.get(f"{URL}?inbox=true")) == set()


def test_the_detail_says_whether_the_caller_may_decide(api, rep, manager, rule):
    request = submitted(rep)
    assert api.as_user(manager).get(f"{URL}{request.pk}/").json()["may_decide"] is True
    assert api.as_user(rep).get(f"{URL}{request.pk}/").json()["may_decide"] is False


@pytest.mark.parametrize(
    ("starts", "ends", "sees"),
    [(-1, 1, True), (0, 0, True), (1, 3, False), (-5, -1, False)],
    ids=["covering today", "today only", "not yet", "over"],
)
def test_a_delegate_sees_and_decides_only_within_the_dates(api, rep, manager, rule, starts, ends, sees):
    delegate = UserFactory(username="dee")
    today = timezone.localdate()
    ApprovalDelegation.objects.create(
        approver=manager,
        delegate=delegate,
        starts_on=today + dt.timedelta(days=starts),
        ends_on=today + dt.timedelta(days=ends),
    )
    request = submitted(rep)
    client = api.as_user(delegate)
    assert ids(client.get(URL)) == ({request.pk} if sees else set())
    response = post(client, f"{URL}{request.pk}/approve/")
    assert response.status_code == (200 if sees else 404)
    if sees:
        [decision] = response.json()["route"][0]["decisions"]
        assert (decision["approver"]["id"], decision["decided_by"]["id"]) == (manager.pk, delegate.pk)


# --- filters and paging -----------------------------------------------------------------------------------------


def test_filters_by_status_requester_and_opportunity(api, sales_ops, rep, other_rep, rule):
    first, second, third = draft(rep), submitted(rep), draft(other_rep)
    client = api.as_user(sales_ops)
    assert ids(client.get(URL, {"status": "draft"})) == {first.pk, third.pk}
    assert ids(client.get(URL, {"status": ["submitted", "approved"]})) == {second.pk}
    assert ids(client.get(URL, {"requester": rep.pk})) == {first.pk, second.pk}
    assert ids(client.get(URL, {"opportunity": third.opportunity_id})) == {third.pk}
    assert ids(client.get(URL, {"inbox": "false"})) == {first.pk, second.pk, third.pk}


@pytest.mark.parametrize("query", [{"requester": 10**30}, {"opportunity": "x"}, {"status": "done"}])
def test_bad_filters_are_400s_naming_them(api, sales_ops, query):
    response = api.as_user(sales_ops).get(URL, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_ids_beyond_any_key_are_404s(api, rep):
    client = api.as_user(rep)
    assert client.get(f"{URL}{10**30}/").status_code == 404
    assert post(client, f"{URL}{10**30}/submit/").status_code == 404
    assert client.delete(f"/api/v1/deal-desk/delegations/{10**30}/").status_code == 404


def test_the_list_query_count_does_not_grow_with_the_page(api, manager, rep, rule):
    for _ in range(30):
        request = submitted(rep)
        services.deal_request_decide(request_id=request.pk, actor=manager, outcome="approve")
    client = api.as_user(manager)

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"page_size": page_size})
        rows = response.json()["results"]
        assert len(rows) == page_size and all(row["route"][0]["decisions"] for row in rows)
        return len(captured)

    client.get(URL)  # warm up: the user's roles are read once and cached
    assert queries(3) == queries(30)


def test_the_inbox_costs_the_same_queries_for_10_or_50_waiting_requests(api, manager, rule):
    reps = [UserFactory(roles=[Role.REP], manager=manager) for _ in range(5)]
    client = api.as_user(manager)

    def queries(waiting):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"inbox": "true", "page_size": 50})
        assert len(response.json()["results"]) == waiting
        return len(captured)

    client.get(URL)  # warm up: the user's roles are read once and cached
    for index in range(10):
        submitted(reps[index % 5])
    few = queries(10)
    for index in range(40):
        submitted(reps[index % 5])
    assert queries(50) == few


def test_the_list_pages_by_cursor(api, rep):
    made = {draft(rep).pk for _ in range(3)}
    client = api.as_user(rep)
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert {r["id"] for r in first["results"] + second["results"]} == made and second["next"] is None


# --- delegations ------------------------------------------------------------------------------------------------

DELEGATIONS = "/api/v1/deal-desk/delegations/"


def test_an_approver_names_a_delegate_lists_and_ends_it(api, manager, rep):
    client = api.as_user(manager)
    today = timezone.localdate()
    data = {
        "delegate": rep.pk,
        "starts_on": str(today + dt.timedelta(days=2)),
        "ends_on": str(today + dt.timedelta(days=9)),
    }
    response = post(client, DELEGATIONS, {**data, "note": "Holiday"})
    assert response.status_code == 201, response.json()
    assert response.json()["delegate"]["id"] == rep.pk
    ApprovalDelegation.objects.create(approver=rep, delegate=manager, starts_on=today, ends_on=today)
    assert ids(client.get(DELEGATIONS)) == {response.json()["id"]}  # only their own
    assert client.delete(f"{DELEGATIONS}{response.json()['id']}/").status_code == 204
    assert not ApprovalDelegation.objects.filter(approver=manager).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"delegate": "self"}, "delegate"),
        ({"delegate": 999_999}, "delegate"),
        ({"delegate": 10**30}, "delegate"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"starts_on": "soon"}, "starts_on"),
    ],
)
def test_bad_delegations_are_400s_naming_the_field(api, manager, rep, changes, field):
    today = timezone.localdate()
    data = {"delegate": rep.pk, "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=3)), **changes}
    if data["delegate"] == "self":
        data["delegate"] = manager.pk
    response = post(api.as_user(manager), DELEGATIONS, data)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ApprovalDelegation.objects.exists()


def test_another_approvers_delegation_is_a_404(api, manager, rep):
    today = timezone.localdate()
    theirs = ApprovalDelegation.objects.create(approver=rep, delegate=manager, starts_on=today, ends_on=today)
    assert api.as_user(manager).delete(f"{DELEGATIONS}{theirs.pk}/").status_code == 404
    assert ApprovalDelegation.objects.filter(pk=theirs.pk).exists()


# --- schema -----------------------------------------------------------------------------------------------------


def test_the_openapi_schema_generates_without_warnings(tmp_path, db):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in ("/api/v1/deal-desk/requests/preview/", "/api/v1/deal-desk/requests/{id}/request-changes/"):
        assert f"{path}:" in schema
