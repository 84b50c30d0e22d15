"""Deal desk input that must be refused, not cut or kept: free text past its field's limit (service, form and
API name the field and the limit), an out-of-office range entirely in the past; and whom a request waits on."""

import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from apps.core.exceptions import ApplicationError
from apps.core.factories import OpportunityFactory
from apps.core.services.demo import DEMO_PEOPLE
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.demo import APPROVERS
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from apps.sales_ops.models import ApprovalDelegation, DealDecision, DealEvent, DealRequest
from tests.sales_ops.deal_desk.test_views import service_terms

Status = DealRequest.Status
JUNE_10 = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def words(length: int) -> str:
    """Text of exactly `length` characters made of words, the last one cut by nothing."""
    text = ("lorem ipsum dolor sit amet " * (length // 27 + 2))[: length - 1].rstrip() + "."
    return text + "x" * (length - len(text))


def draft(rep, **overrides) -> DealRequest:
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    return services.deal_request_create(requester=rep, opportunity=opportunity, data=service_terms(**overrides))


@pytest.fixture
def submitted(db, rep, manager):
    """A request at 20 % off, under review at the manager's step."""
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    deal = draft(rep)
    return services.deal_request_submit(request_id=deal.pk, actor=rep)


def page_text(response_or_html) -> str:
    """The visible text, tags dropped and whitespace squeezed."""
    markup = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# --- the justification ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [5001, 57000])
def test_a_justification_past_5000_characters_is_refused_naming_the_field_and_nothing_is_written(rep, length):
    with pytest.raises(ApplicationError) as refused:
        draft(rep, justification="x" * length)
    assert (refused.value.field, refused.value.code) == ("justification", "too_long")
    assert refused.value.message == f"The justification may be at most 5,000 characters; this one has {length:,}."
    assert not DealRequest.objects.exists()


def test_a_justification_of_exactly_5000_characters_is_kept_whole(rep):
    text = words(5000)
    assert draft(rep, justification=text).justification == text


def test_an_edit_past_the_limit_is_refused_and_the_draft_keeps_its_justification(rep):
    deal = draft(rep)
    with pytest.raises(ApplicationError, match="at most 5,000 characters"):
        services.deal_request_update(request_id=deal.pk, actor=rep, data={"justification": "x" * 5001})
    deal.refresh_from_db()
    assert deal.justification == "Competitive displacement."
    assert not deal.events.filter(kind=DealEvent.Kind.EDITED).exists()


def test_the_form_names_the_justifications_limit_and_writes_nothing(client, rep):
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    client.force_login(rep)
    data = {**service_terms(justification="x" * 57000), "opportunity": opportunity.pk, "action": "draft"}
    response = client.post("/sales/deals/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["justification"] == [
        "The justification may be at most 5,000 characters; this one has 57,000."
    ]
    assert not DealRequest.objects.exists()


def test_the_api_names_the_justifications_limit_and_writes_nothing(api, rep):
    opportunity = OpportunityFactory(owner=rep, currency="EUR")
    payload = {**service_terms(justification="x" * 57000), "opportunity": opportunity.pk}
    response = api.as_user(rep).post("/api/v1/deal-desk/requests/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"justification": ["The justification may be at most 5,000 characters."]}
    assert not DealRequest.objects.exists()


# --- the approver's comment and the recall reason -----------------------------------------------------------


def test_a_2000_character_comment_is_kept_whole(submitted, manager):
    comment = words(2000)
    decision = services.deal_request_decide(request_id=submitted.pk, actor=manager, outcome="reject", comment=comment)
    assert decision.comment == comment


def test_a_2001_character_comment_is_refused_and_nothing_is_decided(submitted, manager):
    with pytest.raises(ApplicationError) as refused:
        services.deal_request_decide(request_id=submitted.pk, actor=manager, outcome="reject", comment="x" * 2001)
    assert (refused.value.field, refused.value.code) == ("comment", "too_long")
    assert refused.value.message == "A comment may be at most 2,000 characters; this one has 2,001."
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not DealDecision.objects.exists()


def test_the_decision_form_has_no_maxlength_for_the_browser_to_cut_with(client, submitted, manager):
    client.force_login(manager)
    form = client.get(f"/sales/deals/{submitted.pk}/").content.decode()
    textarea = re.search(r"<textarea[^>]*name=\"comment\"[^>]*>", form).group(0)
    assert "maxlength" not in textarea


def test_the_decision_form_names_the_comments_limit_and_decides_nothing(client, submitted, manager):
    client.force_login(manager)
    response = client.post(
        f"/sales/deals/{submitted.pk}/decide/", {"outcome": "reject", "comment": "x" * 2001, "revision": 1}
    )
    assert response.status_code == 400
    assert response.context["decision_form"].errors["comment"] == [
        "A comment may be at most 2,000 characters; this one has 2,001."
    ]
    assert not DealDecision.objects.exists()


def test_line_ends_typed_in_a_browser_count_once(client, submitted, manager):
    comment = ("y" * 99 + "\r\n") * 20  # 2,000 characters as typed (a line end is one), 2,020 as sent
    client.force_login(manager)
    client.post(f"/sales/deals/{submitted.pk}/decide/", {"outcome": "reject", "comment": comment, "revision": 1})
    assert DealDecision.objects.get().comment == comment.replace("\r\n", "\n").strip()


def test_the_api_names_the_comments_limit_and_decides_nothing(api, submitted, manager):
    response = api.as_user(manager).post(
        f"/api/v1/deal-desk/requests/{submitted.pk}/reject/", {"comment": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"comment": ["A comment may be at most 2,000 characters."]}
    assert not DealDecision.objects.exists()


def test_a_recall_reason_past_2000_characters_is_refused_not_cut(submitted, rep):
    with pytest.raises(ApplicationError) as refused:
        services.deal_request_recall(request_id=submitted.pk, actor=rep, reason="x" * 2001)
    assert (refused.value.field, refused.value.code) == ("reason", "too_long")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not submitted.events.filter(kind=DealEvent.Kind.RECALLED).exists()


def test_the_api_names_the_recall_reasons_limit(api, submitted, rep):
    response = api.as_user(rep).post(
        f"/api/v1/deal-desk/requests/{submitted.pk}/recall/", {"reason": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"reason": ["The reason may be at most 2,000 characters."]}


# --- out of office ----------------------------------------------------------------------------------------------


@time_machine.travel(JUNE_10, tick=False)
def test_a_delegation_entirely_in_the_past_is_refused_and_not_kept(rep, manager):
    with pytest.raises(ApplicationError) as refused:
        services.deal_delegation_create(
            approver=manager, delegate=rep, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 6, 9)
        )
    assert (refused.value.field, refused.value.code) == ("ends_on", "in_the_past")
    assert refused.value.message == (
        "The delegation would end on 09 Jun 2026, before today (10 Jun 2026): choose dates from today on."
    )
    assert not ApprovalDelegation.objects.exists()


@time_machine.travel(JUNE_10, tick=False)
def test_a_delegation_that_started_earlier_and_ends_today_is_kept(rep, manager):
    delegation = services.deal_delegation_create(
        approver=manager, delegate=rep, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 6, 10)
    )
    assert delegation.pk


@time_machine.travel(JUNE_10, tick=False)
def test_the_delegation_form_refuses_a_past_range_on_its_end(client, rep, manager):
    client.force_login(manager)
    response = client.post(
        "/sales/deals/delegations/", {"delegate": rep.pk, "starts_on": "2026-05-01", "ends_on": "2026-05-02"}
    )
    assert response.status_code == 400
    assert "before today" in " ".join(response.context["form"].errors["ends_on"])
    assert not ApprovalDelegation.objects.exists()


@time_machine.travel(JUNE_10, tick=False)
def test_the_api_refuses_a_past_range_on_its_end(api, rep, manager):
    response = api.as_user(manager).post(
        "/api/v1/deal-desk/delegations/",
        {"delegate": rep.pk, "starts_on": "2026-05-01", "ends_on": "2026-05-02"},
        format="json",
    )
    assert response.status_code == 400
    assert "before today" in response.json()["ends_on"][0]
    assert not ApprovalDelegation.objects.exists()


def test_a_delegation_note_past_200_characters_is_refused(rep, manager):
    today = dt.date.today()
    with pytest.raises(ApplicationError, match="The note may be at most 200 characters"):
        services.deal_delegation_create(approver=manager, delegate=rep, starts_on=today, ends_on=today, note="n" * 201)
    assert not ApprovalDelegation.objects.exists()


# --- waiting on -------------------------------------------------------------------------------------------------


@pytest.fixture
def sent_back(submitted, manager):
    services.deal_request_decide(
        request_id=submitted.pk, actor=manager, outcome="request_changes", comment="Shorter term, please."
    )
    return submitted


def test_a_request_sent_back_waits_on_you_in_the_reps_list(client, sent_back, rep):
    client.force_login(rep)
    row = re.search(rf'<tr id="deals-{sent_back.pk}">.*?</tr>', client.get("/sales/deals/").content.decode(), re.S)
    assert "Changes requested you to edit and resubmit" in page_text(row.group(0))


def test_a_request_sent_back_waits_on_the_rep_by_name_for_the_manager(client, sent_back, manager, rep):
    client.force_login(manager)
    text = page_text(client.get("/sales/deals/?status=changes_requested"))
    assert f"Changes requested {rep} to edit and resubmit" in text


def test_the_request_page_says_whom_it_waits_on(client, sent_back, rep, manager):
    client.force_login(rep)
    assert "Waiting on you to edit and resubmit" in page_text(client.get(f"/sales/deals/{sent_back.pk}/"))
    client.force_login(manager)
    assert f"Waiting on {rep} to edit and resubmit" in page_text(client.get(f"/sales/deals/{sent_back.pk}/"))


# --- the README's demo logins -----------------------------------------------------------------------------------


def test_the_readme_lists_every_demo_login_including_the_vp_every_deep_discount_needs():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    table = readme.split("Demo logins", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"`([a-z0-9_]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:])))
    people = {"admin", *(person[0] for person in DEMO_PEOPLE), *(person[0] for person in APPROVERS)}
    assert listed == people
