"""Deal desk e-mails and people's choices: approvals and decisions routed by preference, one e-mail to the rep per
decision round, and deciding from the e-mail through a signed, single-use, expiring link."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import TestCase

from apps.core.factories import OpportunityFactory, UserFactory
from apps.core.models import EmailMessage, NotificationKind, Role
from apps.sales_ops.deal_desk import services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory
from apps.sales_ops.deal_desk.services.emails import LINK_SALT
from apps.sales_ops.models import DealDecision, DealDecisionLink, DealRequest, RuleApprover
from tests.notifications import assert_routed, choose
from tests.sales_ops.conftest import T0

Kind = RuleApprover.Kind
Status = DealRequest.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def vp(db):
    return UserFactory(username="vp", email="vp@example.com", roles=[Role.MANAGER])


@pytest.fixture
def team(vp, manager, rep):
    manager.manager, manager.email = vp, "mgr@example.com"
    manager.save()
    rep.email = "rita@example.com"
    rep.save()
    return rep


def submitted(rep, **rule) -> DealRequest:
    ApprovalRuleFactory(name=rule.pop("name", "Manager"), **rule)
    request = DealRequestFactory(opportunity=OpportunityFactory(owner=rep), requester=rep)
    with committed():  # the approvers are asked once the submission commits
        return services.deal_request_submit(request_id=request.pk, actor=rep)


def committed():
    """Run what the commit sets off, as production does after the service's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def link_of(user) -> str:
    """The path of the approve/reject link in the e-mail that asked `user`."""
    (message,) = EmailMessage.objects.filter(idempotency_key__contains=":ask:", to=[user.email])
    return message.context["decide_link"]


# --- preferences ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delivery", ["immediate", "digest"])
def test_approvers_are_asked_as_they_chose(team, delivery):
    choose(team.manager, NotificationKind.APPROVALS, delivery)
    submitted(team)
    assert_routed(team.manager, delivery, kind=NotificationKind.APPROVALS, day=T0.date())


def test_an_approver_who_is_somehow_off_is_asked_all_the_same(team):
    choose(team.manager, NotificationKind.APPROVALS, "off")  # not offered; a row written around the page
    submitted(team)
    assert_routed(team.manager, "immediate", kind=NotificationKind.APPROVALS, day=T0.date())


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_rep_hears_of_the_decision_as_they_chose(team, delivery):
    choose(team, NotificationKind.DECISIONS, delivery)
    request = submitted(team)
    services.deal_request_decide(request_id=request.pk, actor=team.manager, outcome="approve")
    assert_routed(team, delivery, kind=NotificationKind.DECISIONS, day=T0.date())


def test_the_rep_gets_one_email_for_a_round_of_three_approvals(team, vp):
    ApprovalRuleFactory(name="A", step_order=1)
    ApprovalRuleFactory(name="B", step_order=2, approvers=[(Kind.USER, vp)])
    request = submitted(team, name="C", step_order=3, approvers=[(Kind.SECOND_MANAGER, None)])
    for approver in (team.manager, vp):
        services.deal_request_decide(request_id=request.pk, actor=approver, outcome="approve")
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED  # "C" waits on the VP's second decision
    assert not EmailMessage.objects.filter(to=["rita@example.com"]).exists()
    services.deal_request_decide(request_id=request.pk, actor=vp, outcome="approve")
    (to_rep,) = EmailMessage.objects.filter(to=["rita@example.com"])
    assert to_rep.idempotency_key == f"deal-desk:request:{request.pk}:1:approved"
    assert [step["step"] for step in to_rep.context["decisions"]] == ["A", "B", "C"]


# --- deciding from the e-mail ----------------------------------------------------------------------------------


def test_the_link_opens_a_confirmation_page_and_changes_nothing(client, team):
    request = submitted(team)
    client.force_login(team.manager)
    page = client.get(link_of(team.manager) + "?outcome=approve")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Deal request #{request.pk}" in body and 'value="approve" required id="id_outcome_0" checked' in body
    assert not DealDecision.objects.exists() and not DealDecisionLink.objects.filter(used_at__isnull=False).exists()
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_confirming_decides_as_the_links_user_and_spends_the_link(client, team):
    request = submitted(team)
    client.force_login(team.manager)
    response = client.post(link_of(team.manager), {"outcome": "approve"})
    assert response.status_code == 302 and response["Location"] == f"/sales/deals/{request.pk}/"
    (decision,) = DealDecision.objects.all()
    assert (decision.decided_by, decision.outcome) == (team.manager, "approve")
    assert DealDecisionLink.objects.get(user=team.manager).used_at == T0
    request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_signing_in_comes_first_and_comes_back_to_the_link(client, team):
    submitted(team)
    link = link_of(team.manager)
    response = client.get(link + "?outcome=approve")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert "outcome%3Dapprove" in response["Location"]
    assert client.post(link, {"outcome": "approve"}).status_code == 302  # to sign in, and nothing decided
    assert not DealDecision.objects.exists()


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.context["code"] == code
    assert not DealDecision.objects.exists() or code == "link_used"


def test_a_link_used_twice_is_refused_the_second_time(client, team, vp):
    request = submitted(team, approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])  # all of: still waiting after one
    client.force_login(team.manager)
    link = link_of(team.manager)
    client.post(link, {"outcome": "approve"})
    for response in (client.get(link), client.post(link, {"outcome": "reject", "comment": "Changed my mind"})):
        refused(response, 410, "link_used")
    assert list(DealDecision.objects.values_list("outcome", flat=True)) == ["approve"]
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_an_expired_link_is_refused(client, team, frozen, settings):
    submitted(team)
    client.force_login(team.manager)
    frozen.move_to(T0 + dt.timedelta(seconds=settings.DEAL_DESK_EMAIL_LINK_MAX_AGE + 1))
    for response in (client.get(link_of(team.manager)), client.post(link_of(team.manager), {"outcome": "approve"})):
        refused(response, 410, "link_expired")
    assert DealDecisionLink.objects.get(user=team.manager).used_at is None


def test_a_forged_link_is_refused(client, team):
    submitted(team)
    client.force_login(team.manager)
    real = link_of(team.manager)
    token = real.rstrip("/").rsplit("/", 1)[1]
    nonce = DealDecisionLink.objects.get(user=team.manager).nonce
    forgeries = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        signing.dumps({"n": nonce}, salt="another.purpose"),  # signed for something else
        signing.dumps({"n": "guessed"}, salt=LINK_SALT),  # well signed, naming no link (a leaked SECRET_KEY)
    ]
    for forged in forgeries:
        path = real.replace(token, forged)
        refused(client.get(path), 400, "link_invalid")
        refused(client.post(path, {"outcome": "approve"}), 400, "link_invalid")
    assert DealDecisionLink.objects.get(user=team.manager).used_at is None


def test_someone_elses_link_is_refused_even_to_another_approver(client, team, vp):
    request = submitted(team, approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])
    client.force_login(vp)  # an approver of the same step, but the link is the manager's
    for response in (client.get(link_of(team.manager)), client.post(link_of(team.manager), {"outcome": "approve"})):
        refused(response, 403, "link_not_yours")
    assert DealDecisionLink.objects.get(user=team.manager).used_at is None
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_a_link_to_a_request_that_moved_on_is_refused(client, team):
    request = submitted(team)
    services.deal_request_recall(request_id=request.pk, actor=team)
    client.force_login(team.manager)
    refused(client.post(link_of(team.manager), {"outcome": "approve"}), 409, "moved_on")


def test_a_rejection_without_a_reason_shows_the_form_again_and_keeps_the_link(client, team):
    submitted(team)
    client.force_login(team.manager)
    response = client.post(link_of(team.manager), {"outcome": "reject", "comment": ""})
    assert response.status_code == 400 and "Say why" in response.context["form"].errors["comment"][0]
    assert not DealDecision.objects.exists()
    assert DealDecisionLink.objects.get(user=team.manager).used_at is None


def test_the_links_are_in_the_asking_email_only(team):
    request = submitted(team)
    asked = EmailMessage.objects.get(idempotency_key__contains=":ask:")
    assert asked.context["decide_link"].startswith("/sales/deals/email/")
    services.deal_request_decide(request_id=request.pk, actor=team.manager, outcome="approve")
    (to_rep,) = EmailMessage.objects.filter(to=["rita@example.com"])
    assert "decide_link" not in to_rep.context


def test_the_reps_email_gives_the_decisions_times_in_the_reps_zone(team):
    team.time_zone = "America/New_York"
    team.save()
    request = submitted(team)
    services.deal_request_decide(request_id=request.pk, actor=team.manager, outcome="approve")
    (to_rep,) = EmailMessage.objects.filter(to=["rita@example.com"])
    (decision,) = to_rep.context["decisions"][0]["decisions"]
    assert decision["at"] == "Mon 23 Nov, 04:00 EST"  # 09:00 UTC
    assert to_rep.context["time_zone"] == "America/New_York"
