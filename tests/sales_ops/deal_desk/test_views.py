"""Deal desk portal pages: the list, the request form and its live preview, the request page and its actions,
the approver's inbox, delegations and the reports."""

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.factories import AccountFactory, OpportunityFactory, UserFactory
from apps.core.models import OpportunityStage, Role
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from apps.sales_ops.models import (
    ApprovalDelegation,
    DealAttachment,
    DealDecision,
    DealEvent,
    DealRequest,
    RuleApprover,
)
from tests import samples
from tests.sales_ops.conftest import T0, H

TERMS = {
    "list_amount": "100000.00",
    "net_amount": "80000.00",
    "currency": "EUR",
    "term_months": "24",
    "payment_terms": "net_30",
    "custom_payment_terms": "",
    "billing_frequency": "annually",
    "justification": "Competitive displacement; the customer commits to a case study.",
}


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def service_terms(**overrides) -> dict:
    data = {
        "list_amount": Decimal("100000.00"),
        "net_amount": Decimal("80000.00"),
        "currency": "EUR",
        "term_months": 24,
        "payment_terms": "net_30",
        "billing_frequency": "annually",
        "justification": "Competitive displacement.",
    }
    return {**data, **overrides}


def draft(requester, opportunity=None, **overrides) -> DealRequest:
    opportunity = opportunity or OpportunityFactory(owner=requester, currency="EUR")
    return services.deal_request_create(requester=requester, opportunity=opportunity, data=service_terms(**overrides))


def submitted(requester, **overrides) -> DealRequest:
    deal = draft(requester, **overrides)
    return services.deal_request_submit(request_id=deal.pk, actor=requester)


@pytest.fixture
def matrix(db):
    """Manager above 10 % off."""
    return ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))


@pytest.fixture
def opportunity(rep):
    return OpportunityFactory(owner=rep, currency="EUR", name="Globex renewal")


# --- who may open which page -------------------------------------------------------------------------------

PAGES = [
    "/sales/deals/",
    "/sales/deals/new/",
    "/sales/deals/inbox/",
    "/sales/deals/delegations/",
    "/sales/deals/reports/",
]


@pytest.mark.parametrize("url", [*PAGES, "/sales/deals/1/", "/sales/deals/1/edit/", "/sales/deals/attachments/1/"])
def test_the_deal_pages_need_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops", "admin_user", "other_rep"])
@pytest.mark.parametrize(
    "url", ["/sales/deals/", "/sales/deals/new/", "/sales/deals/inbox/", "/sales/deals/delegations/"]
)
def test_the_deal_desk_pages_render_for_every_role(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("sales_ops", 200), ("admin_user", 200), ("rep", 403), ("marketing_ops", 403)],
)
def test_the_reports_are_for_sales_ops_and_managers(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/sales/deals/reports/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("rep", 200), ("manager", 200), ("sales_ops", 200), ("admin_user", 200), ("other_rep", 404)]
)
def test_the_request_page_is_for_those_who_see_the_request(client, request, matrix, rep, role, status):
    deal = submitted(rep)
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/sales/deals/{deal.pk}/").status_code == status


@pytest.mark.parametrize(
    ("role", "shown"),
    [("rep", True), ("manager", True), ("sales_ops", True), ("admin_user", True), ("marketing_ops", False)],
)
def test_the_nav_links_the_deal_desk_by_role(client, request, role, shown):
    client.force_login(request.getfixturevalue(role))
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', client.get("/").content.decode(), re.S).group(1)
    assert (">Deal desk</a>" in nav) is shown
    assert "Approvals" in nav


# --- the list ----------------------------------------------------------------------------------------------


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content.decode()[:500]
    return {deal.pk for deal in response.context["page"].rows}


def test_each_role_lists_the_requests_it_may_see(client, matrix, rep, other_rep, manager, sales_ops):
    mine, theirs = submitted(rep), draft(other_rep)
    for user, expected in [
        (rep, {mine.pk}),
        (other_rep, {theirs.pk}),
        (manager, {mine.pk}),
        (sales_ops, {mine.pk, theirs.pk}),
    ]:
        client.force_login(user)
        assert listed(client.get("/sales/deals/")) == expected, user


def test_the_list_filters_by_status_and_shows_the_step_waiting_on(client, matrix, rep):
    waiting, kept_draft = submitted(rep), draft(rep)
    client.force_login(rep)
    assert listed(client.get("/sales/deals/?status=submitted")) == {waiting.pk}
    assert listed(client.get("/sales/deals/?status=draft")) == {kept_draft.pk}
    assert listed(client.get("/sales/deals/")) == {waiting.pk, kept_draft.pk}
    row = re.search(rf'<tr id="deals-{waiting.pk}">(.*?)</tr>', client.get("/sales/deals/").content.decode(), re.S)
    assert "Manager review" in row.group(1)
    assert "20.00 %" in row.group(1)


def test_only_reps_get_the_new_request_button(client, rep, sales_ops):
    client.force_login(rep)
    assert "New request" in text(client.get("/sales/deals/"))
    client.force_login(sales_ops)
    assert "New request" not in text(client.get("/sales/deals/"))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_or_25_requests(client, matrix, manager, rep):
    client.force_login(manager)
    for _ in range(3):
        submitted(rep)
    few = count_queries(client, "/sales/deals/")
    for _ in range(22):
        submitted(UserFactory(roles=[Role.REP], manager=manager))
    assert count_queries(client, "/sales/deals/") == few


# --- the request form ------------------------------------------------------------------------------------


def test_the_opportunity_select_lists_only_the_users_open_opportunities(client, rep, other_rep, opportunity):
    closed = OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_WON)
    foreign = OpportunityFactory(owner=other_rep)
    client.force_login(rep)
    offered = set(client.get("/sales/deals/new/").context["form"].fields["opportunity"].queryset)
    assert opportunity in offered
    assert closed not in offered and foreign not in offered


def test_the_form_preselects_the_opportunity_and_its_currency(client, rep):
    opportunity = OpportunityFactory(owner=rep, currency="USD")
    client.force_login(rep)
    form = client.get(f"/sales/deals/new/?opportunity={opportunity.pk}").context["form"]
    assert form["opportunity"].value() == opportunity.pk
    assert form["currency"].value() == "USD"


def test_saving_a_draft_creates_it_with_its_terms_and_timeline(client, matrix, rep, opportunity):
    client.force_login(rep)
    response = client.post(
        "/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, "free_months": "on", "action": "draft"}
    )
    deal = DealRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/deals/{deal.pk}/"
    assert (deal.status, deal.discount_percent, deal.free_months, deal.requester) == (
        "draft",
        Decimal("20.00"),
        True,
        rep,
    )
    assert list(deal.events.values_list("kind", flat=True)) == ["created"]


def test_a_blank_currency_takes_the_opportunitys(client, rep):
    opportunity = OpportunityFactory(owner=rep, currency="USD")
    client.force_login(rep)
    client.post("/sales/deals/new/", {**TERMS, "currency": "", "opportunity": opportunity.pk, "action": "draft"})
    assert DealRequest.objects.get().currency == "USD"


def test_save_and_submit_routes_the_request(client, matrix, rep, manager, opportunity):
    client.force_login(rep)
    client.post("/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, "action": "submit"})
    deal = DealRequest.objects.get()
    assert deal.status == "submitted"
    assert deal.active_step.name == "Manager review"
    response = client.get(f"/sales/deals/{deal.pk}/")
    assert "Submitted deal request" in text(response)
    assert f"{manager} (manager)" in text(response)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"net_amount": "0"}, "net_amount", "100 %"),
        ({"net_amount": "120000"}, "net_amount", "above the list amount"),
        ({"term_months": "0"}, "term_months", "greater than or equal to 1"),
        ({"list_amount": "lots"}, "list_amount", "Enter a number"),
        ({"justification": "  "}, "justification", "Say why"),
        ({"currency": "XXX"}, "currency", "ISO 4217"),
        ({"payment_terms": "custom"}, "custom_payment_terms", "Describe the custom payment terms"),
    ],
)
def test_the_form_refuses_bad_terms_next_to_the_field_and_writes_nothing(
    client, matrix, rep, opportunity, change, field, message
):
    client.force_login(rep)
    response = client.post("/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, **change, "action": "submit"})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="field-{field}"' in response.content.decode()
    assert not DealRequest.objects.exists() and not DealEvent.objects.exists()


def test_the_form_refuses_another_reps_opportunity(client, rep, other_rep):
    foreign = OpportunityFactory(owner=other_rep)
    client.force_login(rep)
    response = client.post("/sales/deals/new/", {**TERMS, "opportunity": foreign.pk, "action": "draft"})
    assert response.status_code == 400
    assert response.context["form"].errors["opportunity"] == ["Choose one of your open opportunities."]
    assert not DealRequest.objects.exists()


def test_a_file_too_large_leaves_no_draft_behind(client, rep, opportunity, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    client.force_login(rep)
    upload = SimpleUploadedFile("quote.pdf", samples.PDF + b"x" * (10 * 1024 * 1024), content_type="application/pdf")
    response = client.post(
        "/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, "attachment": upload, "action": "draft"}
    )
    assert response.status_code == 400
    assert "10 MB" in " ".join(response.context["form"].errors["attachment"])
    assert not DealRequest.objects.exists() and not DealAttachment.objects.exists()


def test_a_refused_submission_keeps_the_draft_and_says_why(client, rep, opportunity):
    # The matrix asks for the manager's manager, and the rep's manager has none.
    ApprovalRuleFactory(name="Second line", approvers=[(RuleApprover.Kind.SECOND_MANAGER, None)])
    client.force_login(rep)
    response = client.post(
        "/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, "action": "submit"}, follow=True
    )
    assert DealRequest.objects.get().status == "draft"
    assert "Saved, but not submitted" in text(response)


# --- editing --------------------------------------------------------------------------------------------


def test_the_requester_edits_a_draft(client, rep):
    deal = draft(rep)
    client.force_login(rep)
    assert client.get(f"/sales/deals/{deal.pk}/edit/").context["form"]["net_amount"].value() == Decimal("80000.00")
    response = client.post(f"/sales/deals/{deal.pk}/edit/", {**TERMS, "net_amount": "70000", "action": "draft"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.discount_percent == Decimal("30.00")
    assert deal.events.filter(kind="edited").exists()


def test_an_edit_with_bad_terms_shows_the_error_and_changes_nothing(client, rep):
    deal = draft(rep)
    client.force_login(rep)
    response = client.post(f"/sales/deals/{deal.pk}/edit/", {**TERMS, "net_amount": "150000", "action": "draft"})
    assert response.status_code == 400
    assert "above the list amount" in " ".join(response.context["form"].errors["net_amount"])
    deal.refresh_from_db()
    assert deal.net_amount == Decimal("80000.00")


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("sales_ops", 403), ("other_rep", 404)])
def test_only_the_requester_may_edit(client, request, rep, role, status):
    deal = draft(rep)
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/sales/deals/{deal.pk}/edit/").status_code == status
    assert client.post(f"/sales/deals/{deal.pk}/edit/", {**TERMS, "action": "draft"}).status_code == status


def test_a_request_under_review_cannot_be_edited(client, matrix, rep):
    deal = submitted(rep)
    client.force_login(rep)
    response = client.get(f"/sales/deals/{deal.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/sales/deals/{deal.pk}/"
    assert "cannot be edited" in text(response)


def test_edit_and_resubmit_after_changes_were_requested(client, matrix, rep, manager):
    deal = submitted(rep)
    services.deal_request_decide(request_id=deal.pk, actor=manager, outcome="request_changes", comment="Too deep.")
    client.force_login(rep)
    client.post(f"/sales/deals/{deal.pk}/edit/", {**TERMS, "net_amount": "85000", "action": "submit"})
    deal.refresh_from_db()
    assert (deal.status, deal.revision, deal.discount_percent) == ("submitted", 2, Decimal("15.00"))


# --- the live preview -------------------------------------------------------------------------------------


def test_the_preview_names_the_steps_and_approvers(client, matrix, rep, manager, opportunity):
    ApprovalRuleFactory(
        name="Legal review", flags=["custom_legal_terms"], approvers=[(RuleApprover.Kind.USER, manager)]
    )
    client.force_login(rep)
    response = client.post(
        "/sales/deals/preview/",
        {**TERMS, "opportunity": opportunity.pk, "custom_legal_terms": "on", "justification": ""},
    )
    assert response.status_code == 200
    body = response.json()
    assert [step["name"] for step in body["steps"]] == ["Manager review", "Legal review"]
    assert body["steps"][0]["approvers"][0]["label"] == f"{manager} (manager)"
    assert body["steps"][0]["approvers"][0]["candidates"] == [str(manager)]
    assert body["problems"] == []
    assert not DealRequest.objects.exists()


def test_the_preview_within_policy_has_no_step(client, matrix, rep, opportunity):
    client.force_login(rep)
    body = client.post("/sales/deals/preview/", {**TERMS, "opportunity": opportunity.pk, "net_amount": "95000"}).json()
    assert body == {"ok": True, "steps": [], "problems": []}


def test_the_preview_reports_a_step_nobody_can_approve(client, other_rep):
    ApprovalRuleFactory(name="Manager review")
    opportunity = OpportunityFactory(owner=other_rep)
    client.force_login(other_rep)  # who has no manager
    body = client.post("/sales/deals/preview/", {**TERMS, "opportunity": opportunity.pk}).json()
    assert body["ok"] is True
    assert "you have no manager" in body["problems"][0]
    assert body["steps"][0]["problems"] == body["problems"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"net_amount": "150000"}, "net_amount"),
        ({"term_months": "0"}, "term_months"),
        ({"list_amount": ""}, "list_amount"),
    ],
)
def test_the_preview_names_the_field_of_bad_input(client, rep, opportunity, change, field):
    client.force_login(rep)
    response = client.post("/sales/deals/preview/", {**TERMS, "opportunity": opportunity.pk, **change})
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_the_preview_refuses_another_reps_opportunity(client, rep, other_rep):
    client.force_login(rep)
    response = client.post("/sales/deals/preview/", {**TERMS, "opportunity": OpportunityFactory(owner=other_rep).pk})
    assert response.status_code == 400
    assert response.json()["field"] == "opportunity"


def test_the_preview_takes_posts_only(client, rep):
    client.force_login(rep)
    assert client.get("/sales/deals/preview/").status_code == 405


# --- the request page and its actions -----------------------------------------------------------------------


def test_the_requester_submits_a_draft_from_its_page(client, matrix, rep):
    deal = draft(rep)
    client.force_login(rep)
    response = client.post(f"/sales/deals/{deal.pk}/submit/", follow=True)
    deal.refresh_from_db()
    assert deal.status == "submitted"
    assert "waiting for Manager review" in text(response)


def test_only_the_requester_may_submit(client, matrix, rep, manager):
    deal = draft(rep)
    client.force_login(manager)
    assert client.post(f"/sales/deals/{deal.pk}/submit/").status_code == 403
    deal.refresh_from_db()
    assert deal.status == "draft"


def test_the_manager_approves_with_a_comment(client, matrix, rep, manager):
    deal = submitted(rep)
    client.force_login(manager)
    page = client.get(f"/sales/deals/{deal.pk}/")
    assert page.context["may_decide"] is True
    response = client.post(
        f"/sales/deals/{deal.pk}/decide/", {"outcome": "approve", "comment": "Fine by me.", "revision": 1}, follow=True
    )
    deal.refresh_from_db()
    assert deal.status == "approved"
    assert DealDecision.objects.get().comment == "Fine by me."
    assert "Approved deal request" in text(response)
    assert "Fine by me." in text(response)


def test_the_requester_is_offered_no_decision(client, matrix, rep):
    deal = submitted(rep)
    client.force_login(rep)
    assert client.get(f"/sales/deals/{deal.pk}/").context["may_decide"] is False


def test_after_a_decision_error_its_address_leads_back_to_the_request_never_to_a_405(client, matrix, rep, manager):
    deal = submitted(rep)
    client.force_login(manager)
    posted = client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": "reject", "comment": "", "revision": 1})
    assert posted.status_code == 400 and "needs a reason" in text(posted)
    again = client.get(f"/sales/deals/{deal.pk}/decide/")  # the address left in the bar, reloaded from it
    assert again.status_code == 302 and again["Location"] == f"/sales/deals/{deal.pk}/"
    assert not DealDecision.objects.exists()


@pytest.mark.parametrize("outcome", ["reject", "request_changes"])
def test_a_decision_without_its_reason_shows_the_error_and_writes_nothing(client, matrix, rep, manager, outcome):
    deal = submitted(rep)
    events = deal.events.count()
    client.force_login(manager)
    response = client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": outcome, "comment": " ", "revision": 1})
    assert response.status_code == 400
    assert "needs a reason" in " ".join(response.context["decision_form"].errors["comment"])
    assert "needs a reason" in text(response)
    deal.refresh_from_db()
    assert deal.status == "submitted"
    assert not DealDecision.objects.exists() and deal.events.count() == events


@pytest.mark.parametrize(("outcome", "status"), [("reject", "rejected"), ("request_changes", "changes_requested")])
def test_reject_and_request_changes_with_a_reason(client, matrix, rep, manager, outcome, status):
    deal = submitted(rep)
    client.force_login(manager)
    client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": outcome, "comment": "Below the floor.", "revision": 1})
    deal.refresh_from_db()
    assert deal.status == status
    client.force_login(rep)
    assert "Below the floor." in text(client.get(f"/sales/deals/{deal.pk}/"))


def test_a_decision_on_a_stale_revision_is_refused_with_a_message(client, matrix, rep, manager):
    deal = submitted(rep)
    services.deal_request_recall(request_id=deal.pk, actor=rep)
    services.deal_request_resubmit(request_id=deal.pk, actor=rep)
    client.force_login(manager)
    response = client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": "approve", "revision": 1}, follow=True)
    assert response.status_code == 200
    assert "resubmitted since you opened it" in text(response)
    assert not DealDecision.objects.exists()


def test_someone_who_sees_the_request_but_is_no_approver_may_not_decide(client, matrix, rep, sales_ops):
    deal = submitted(rep)
    client.force_login(sales_ops)
    assert client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": "approve", "revision": 1}).status_code == 403
    assert not DealDecision.objects.exists()


def test_another_rep_cannot_act_on_the_request(client, matrix, rep, other_rep):
    deal = submitted(rep)
    client.force_login(other_rep)
    for action in ("decide", "recall", "submit", "resubmit"):
        assert (
            client.post(f"/sales/deals/{deal.pk}/{action}/", {"outcome": "approve", "revision": 1}).status_code == 404
        )


def test_the_requester_recalls_and_resubmits(client, matrix, rep):
    deal = submitted(rep)
    client.force_login(rep)
    response = client.post(f"/sales/deals/{deal.pk}/recall/", {"reason": "Customer changed scope"}, follow=True)
    deal.refresh_from_db()
    assert deal.status == "recalled"
    assert "Customer changed scope" in text(response)
    client.post(f"/sales/deals/{deal.pk}/resubmit/")
    deal.refresh_from_db()
    assert (deal.status, deal.revision) == ("submitted", 2)


def test_recalling_an_approved_request_is_refused_with_a_message(client, rep):
    deal = submitted(rep)  # no rule: approved at once
    client.force_login(rep)
    response = client.post(f"/sales/deals/{deal.pk}/recall/", follow=True)
    assert "Only a request under review can be recalled" in text(response)


def test_the_page_shows_kept_approvals_and_earlier_revisions(client, rep, manager):
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    ApprovalRuleFactory(
        name="Finance review", step_order=20, payment_terms=["net_90"], approvers=[(RuleApprover.Kind.USER, manager)]
    )
    deal = submitted(rep, payment_terms="net_90")
    services.deal_request_decide(request_id=deal.pk, actor=manager, outcome="approve", revision=1)
    services.deal_request_decide(
        request_id=deal.pk, actor=manager, outcome="request_changes", comment="Net 60 at most.", revision=1
    )
    services.deal_request_update(request_id=deal.pk, actor=rep, data={"payment_terms": "net_60"})
    services.deal_request_resubmit(request_id=deal.pk, actor=rep)
    client.force_login(rep)
    response = client.get(f"/sales/deals/{deal.pk}/")
    page = text(response)
    assert "Approval kept from revision 1" in page
    assert "Revision 1" in page and "Net 60 at most." in page
    assert [row.step.name for row in response.context["current_route"]] == ["Manager review"]


def test_a_delegates_decision_shows_both_names(client, matrix, rep, manager):
    dana = UserFactory(username="dana", first_name="Dana", last_name="Diaz", roles=[Role.MANAGER])
    manager.first_name, manager.last_name = "Sam", "Stone"
    manager.save()
    today = timezone.localdate()
    services.deal_delegation_create(approver=manager, delegate=dana, starts_on=today, ends_on=today)
    deal = submitted(rep)
    client.force_login(dana)
    assert deal.pk in {d.pk for d in client.get("/sales/deals/inbox/").context["page"].object_list}
    client.post(f"/sales/deals/{deal.pk}/decide/", {"outcome": "approve", "comment": "Covering.", "revision": 1})
    page = text(client.get(f"/sales/deals/{deal.pk}/"))
    assert "by Dana Diaz for Sam Stone" in page
    assert "Dana Diaz for Sam Stone" in re.sub(r"\s+", " ", page.split("Timeline", 1)[1])


def test_the_timeline_lists_every_event(client, matrix, rep, manager):
    deal = submitted(rep)
    services.deal_request_decide(request_id=deal.pk, actor=manager, outcome="approve", comment="OK", revision=1)
    client.force_login(rep)
    response = client.get(f"/sales/deals/{deal.pk}/")
    kinds = [event.kind for event in response.context["events"]]
    assert kinds == ["created", "submitted", "routed", "step_reached", "approved", "step_approved", "request_approved"]
    assert response.content.decode().count('class="event-') == len(kinds)


# --- attachments --------------------------------------------------------------------------------------------


def test_attachments_download_for_those_who_see_the_request_only(client, matrix, rep, manager, other_rep, opportunity):
    client.force_login(rep)
    upload = SimpleUploadedFile("quote.pdf", samples.PDF, content_type="application/pdf")
    client.post("/sales/deals/new/", {**TERMS, "opportunity": opportunity.pk, "attachment": upload, "action": "submit"})
    attachment = DealAttachment.objects.get()
    url = f"/sales/deals/attachments/{attachment.pk}/"
    assert url in client.get(f"/sales/deals/{attachment.request_id}/").content.decode()
    for user in (rep, manager):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == samples.PDF
        assert 'filename="quote.pdf"' in response["Content-Disposition"]
    client.force_login(other_rep)
    assert client.get(url).status_code == 404


def test_the_requester_attaches_a_file_from_the_page(client, rep, other_rep):
    deal = draft(rep)
    client.force_login(rep)
    client.post(f"/sales/deals/{deal.pk}/attachments/", {"file": samples.upload("redline.docx", samples.ooxml())})
    assert list(deal.attachments.values_list("name", flat=True)) == ["redline.docx"]
    client.force_login(other_rep)
    assert (
        client.post(f"/sales/deals/{deal.pk}/attachments/", {"file": SimpleUploadedFile("x.txt", b"x")}).status_code
        == 404
    )


# --- the inbox ------------------------------------------------------------------------------------------


def test_the_inbox_lists_what_waits_for_the_approver(client, matrix, rep, manager, other_rep, sales_ops):
    waiting = submitted(rep)
    submitted(rep, net_amount=Decimal("95000"))  # within policy: approved at once
    client.force_login(manager)
    response = client.get("/sales/deals/inbox/")
    assert [deal.pk for deal in response.context["page"].object_list] == [waiting.pk]
    row = re.search(rf'<tr id="inbox-{waiting.pk}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    assert "Manager review" in row and "20.00 %" in row and str(rep) in row
    client.force_login(sales_ops)
    assert not client.get("/sales/deals/inbox/").context["page"].object_list


def test_the_inbox_approve_button_decides_and_comes_back(client, matrix, rep, manager):
    deal = submitted(rep)
    client.force_login(manager)
    response = client.post(
        f"/sales/deals/{deal.pk}/decide/", {"outcome": "approve", "revision": 1, "next": "/sales/deals/inbox/"}
    )
    assert response["Location"] == "/sales/deals/inbox/"
    deal.refresh_from_db()
    assert deal.status == "approved"


def test_the_inbox_costs_the_same_queries_for_10_or_50_waiting_requests(client, matrix, manager):
    reps = [UserFactory(roles=[Role.REP], manager=manager) for _ in range(5)]
    for index in range(10):
        submitted(reps[index % 5])
    client.force_login(manager)
    few = count_queries(client, "/sales/deals/inbox/")
    for index in range(40):
        submitted(reps[index % 5])
    assert len(client.get("/sales/deals/inbox/").context["page"].object_list) == 50
    assert count_queries(client, "/sales/deals/inbox/") == few


def test_the_nav_counts_the_waiting_approvals_on_deal_pages(client, matrix, rep, manager):
    submitted(rep)
    submitted(rep)
    client.force_login(manager)
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', client.get("/sales/deals/").content.decode(), re.S).group(1)
    assert re.search(r'Approvals <span class="count-pill"[^>]*>2</span>', nav)


# --- delegations ----------------------------------------------------------------------------------------


def test_an_approver_delegates_and_ends_the_delegation(client, manager, other_rep):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        "/sales/deals/delegations/",
        {"delegate": other_rep.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=5), "note": "Leave"},
        follow=True,
    )
    delegation = ApprovalDelegation.objects.get()
    assert (delegation.approver, delegation.delegate, delegation.note) == (manager, other_rep, "Leave")
    assert f"{other_rep} decides for you" in text(response)
    client.post(f"/sales/deals/delegations/{delegation.pk}/end/")
    assert not ApprovalDelegation.objects.exists()  # it had not started before today: gone


def test_a_delegation_ending_before_it_starts_is_refused(client, manager, other_rep):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        "/sales/deals/delegations/",
        {"delegate": other_rep.pk, "starts_on": today, "ends_on": today - dt.timedelta(days=1)},
    )
    assert response.status_code == 400
    assert "end on or after" in " ".join(response.context["form"].errors["ends_on"])
    assert not ApprovalDelegation.objects.exists()


def test_nobody_ends_anothers_delegation(client, manager, other_rep, sales_ops):
    today = timezone.localdate()
    delegation = services.deal_delegation_create(approver=manager, delegate=other_rep, starts_on=today, ends_on=today)
    client.force_login(sales_ops)
    assert client.post(f"/sales/deals/delegations/{delegation.pk}/end/").status_code == 404
    assert ApprovalDelegation.objects.filter(pk=delegation.pk).exists()


# --- reports --------------------------------------------------------------------------------------------


@pytest.fixture
def decided_set(frozen, matrix, manager, rep):
    """Four requests by two reps of one manager, submitted in 2026-Q4:

    rep (SMB): 20 % approved after 2 h; 30 % rejected after 4 h. rep2 (enterprise): 5 % within policy
    (approved, no step); 12 % still waiting.
    """
    rep2 = UserFactory(username="jonas", first_name="Jonas", last_name="Keller", roles=[Role.REP], manager=manager)
    rep.first_name, rep.last_name = "Rita", "Evans"
    rep.save()
    smb, enterprise = AccountFactory(segment="smb"), AccountFactory(segment="enterprise")

    def submit_at(at, requester, account, net):
        frozen.now = at
        opportunity = OpportunityFactory(owner=requester, account=account, currency="EUR")
        return submitted(requester, opportunity=opportunity, net_amount=Decimal(net))

    approved = submit_at(T0, rep, smb, "80000")
    rejected = submit_at(T0 + H, rep, smb, "70000")
    submit_at(T0 + H, rep2, enterprise, "95000")
    submit_at(T0, rep2, enterprise, "88000")
    frozen.now = T0 + 2 * H
    services.deal_request_decide(request_id=approved.pk, actor=manager, outcome="approve")
    frozen.now = T0 + 5 * H
    services.deal_request_decide(request_id=rejected.pk, actor=manager, outcome="reject", comment="Too deep")
    return rep2


def test_the_reports_show_turnaround_rate_and_discounts(client, decided_set, sales_ops):
    client.force_login(sales_ops)
    response = client.get("/sales/deals/reports/")
    page = response.content.decode()
    assert re.search(r'id="decided">3<', page) and re.search(r'id="approved">2<', page)
    assert re.search(r'id="approval-rate">66.7 %<', page)
    turnaround = re.search(r'<table class="numbers" id="turnaround">(.*?)</table>', page, re.S).group(1)
    assert re.search(
        r"Manager review</td><td class=\"num\">2</td><td class=\"num\">2 h 00 min</td><td class=\"num\">4 h 00 min",
        turnaround,
    )
    by_rep = re.search(r'id="by_rep">(.*?)</table>', page, re.S).group(1)
    assert "Rita Evans" in by_rep and "25.00 %" in by_rep and "8.50 %" in by_rep
    assert page.count('<svg class="chart"') == 4


def test_the_report_csv_exports(client, decided_set, manager):
    client.force_login(manager)

    def rows(export):
        response = client.get(f"/sales/deals/reports/?export={export}")
        assert response["Content-Type"].startswith("text/csv")
        assert f"deal-desk-{export.replace('_', '-')}" in response["Content-Disposition"]
        return list(csv.reader(io.StringIO(response.content.decode())))

    assert rows("turnaround") == [
        ["step", "decided", "median_hours", "p90_hours"],
        ["Manager review", "2", "2.00", "4.00"],
    ]
    assert rows("by_rep") == [
        ["rep", "requests", "average_discount_percent"],
        ["Jonas Keller", "2", "8.50"],
        ["Rita Evans", "2", "25.00"],
    ]
    assert rows("by_segment") == [
        ["segment", "requests", "average_discount_percent"],
        ["Enterprise", "2", "8.50"],
        ["SMB", "2", "25.00"],
    ]
    assert rows("by_quarter") == [["quarter", "requests", "average_discount_percent"], ["2026-Q4", "4", "16.75"]]


def test_the_report_dates_filter_the_requests(client, decided_set, sales_ops):
    client.force_login(sales_ops)
    response = client.get("/sales/deals/reports/?since=2026-11-24&export=by_quarter")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["quarter", "requests", "average_discount_percent"]
    ]
    response = client.get("/sales/deals/reports/?since=2026-11-23&until=2026-11-23")
    assert response.context["report"].decided == 3
    assert "export=turnaround" in response.content.decode()


def test_the_report_refuses_an_upside_down_period(client, sales_ops):
    client.force_login(sales_ops)
    response = client.get("/sales/deals/reports/?since=2026-11-24&until=2026-11-01")
    assert response.status_code == 400
    assert "end comes before the start" in text(response)


# --- demo data ------------------------------------------------------------------------------------------


def test_the_demo_deal_desk_is_idempotent_and_fills_the_managers_inbox(db, settings, client):
    from django.core.management import call_command

    settings.SMOPS_DEMO_PASSWORD = "demo-pass-42"
    call_command("seed_demo", accounts=10)
    counts = (DealRequest.objects.count(), DealEvent.objects.count(), ApprovalDelegation.objects.count())
    call_command("seed_demo", accounts=10)
    assert (DealRequest.objects.count(), DealEvent.objects.count(), ApprovalDelegation.objects.count()) == counts
    assert set(DealRequest.objects.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "approved",
        "rejected",
        "changes_requested",
    }
    assert DealRequest.objects.get(status="rejected").steps.get(status="rejected").decisions.get().comment
    for username in ("finance", "legal"):
        assert client.login(username=username, password="demo-pass-42")
    client.login(username="manager", password="demo-pass-42")
    assert len(client.get("/sales/deals/inbox/").context["page"].object_list) == 1


def test_a_managers_report_and_csv_hold_only_their_team(client, decided_set, manager, sales_ops):
    boss = UserFactory(username="boss", roles=[Role.MANAGER])
    stranger = UserFactory(username="stranger", first_name="Sven", last_name="Stranger", roles=[Role.REP], manager=boss)
    submitted(stranger, opportunity=OpportunityFactory(owner=stranger, currency="EUR"), net_amount=Decimal("50000"))
    client.force_login(manager)
    by_rep = re.search(r'id="by_rep">(.*?)</table>', client.get("/sales/deals/reports/").content.decode(), re.S)
    csv_rows = client.get("/sales/deals/reports/?export=by_rep").content.decode()
    assert "Rita Evans" in by_rep.group(1) and "Sven Stranger" not in by_rep.group(1)
    assert "Rita Evans" in csv_rows and "Sven Stranger" not in csv_rows
    client.force_login(sales_ops)
    assert "Sven Stranger" in client.get("/sales/deals/reports/?export=by_rep").content.decode()
