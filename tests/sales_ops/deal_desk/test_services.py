"""Deal desk: routing through the matrix, deciding, delegation, resubmission, reminders, expiry, concurrency."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.factories import (
    AccountFactory,
    ExchangeRateFactory,
    OpportunityFactory,
    TerritoryFactory,
    UserFactory,
)
from apps.core.models import EmailMessage, OpportunityStage, Role
from apps.core.models.customers import Segment
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory
from apps.sales_ops.deal_desk.selectors import deal_inbox, deal_request_list
from apps.sales_ops.models import (
    ApprovalDelegation,
    ApprovalRule,
    DealApprovalStep,
    DealDecision,
    DealDecisionLink,
    DealEvent,
    DealFlag,
    DealRequest,
    PaymentTerms,
    RuleApprover,
)
from tests.concurrency import run_at_once
from tests.sales_ops.conftest import T0, H

Kind = RuleApprover.Kind
Status = DealRequest.Status
MANAGER = [(Kind.MANAGER, None)]


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


@pytest.fixture
def eur(db):
    return ExchangeRateFactory(
        currency="EUR", valid_on=timezone.localdate() - dt.timedelta(days=3), rate=Decimal("1.10")
    )


@pytest.fixture
def finance(db):
    group = Group.objects.create(name="finance")
    for name in ("fay", "finn"):
        UserFactory(username=name, email=f"{name}@example.com").groups.add(group)
    return group


def draft(rep, **fields) -> DealRequest:
    opportunity = fields.pop("opportunity", None) or OpportunityFactory(owner=rep, currency="EUR")
    return DealRequestFactory(opportunity=opportunity, requester=rep, **fields)


def committed():
    """Run what the commit sets off (asking a step's approvers, delivering e-mail), as production does after
    the service's transaction; the test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def submit(request: DealRequest) -> DealRequest:
    with committed():
        return submit_uncommitted(request)


def submit_uncommitted(request: DealRequest) -> DealRequest:
    return services.deal_request_submit(request_id=request.pk, actor=request.requester)


def route_names(request: DealRequest) -> list[str]:
    return [s.name for s in request.steps.filter(revision=request.revision).order_by("position")]


def approve(request, user, comment="ok", **kwargs):
    with committed():
        return services.deal_request_decide(
            request_id=request.pk, actor=user, outcome="approve", comment=comment, **kwargs
        )


# --- creating, and bad input ----------------------------------------------------------------------------------


def test_a_draft_computes_its_discount_and_records_its_creation(rep):
    opportunity = OpportunityFactory(owner=rep)
    data = {"list_amount": Decimal("1200"), "net_amount": Decimal("1000"), "term_months": 12, "justification": "why"}
    request = services.deal_request_create(requester=rep, opportunity=opportunity, data=data)
    assert request.status == Status.DRAFT
    assert request.discount_percent == Decimal("16.67")
    assert request.currency == opportunity.currency
    assert list(request.events.values_list("kind", flat=True)) == [DealEvent.Kind.CREATED]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"net_amount": Decimal("0")}, "net_amount"),  # 100 % off
        ({"net_amount": Decimal("-1")}, "net_amount"),
        ({"net_amount": Decimal("1300")}, "net_amount"),  # above list
        ({"term_months": 0}, "term_months"),
        ({"currency": "XXX"}, "currency"),
        ({"justification": "   "}, "justification"),
        ({"payment_terms": PaymentTerms.CUSTOM}, "custom_payment_terms"),
        ({"status": Status.APPROVED}, "status"),
    ],
)
def test_bad_terms_are_refused_with_the_field_named_and_nothing_written(rep, changes, field):
    opportunity = OpportunityFactory(owner=rep)
    data = {"list_amount": Decimal("1200"), "net_amount": Decimal("1000"), "term_months": 12, "justification": "why"}
    with pytest.raises(ApplicationError) as error:
        services.deal_request_create(requester=rep, opportunity=opportunity, data={**data, **changes})
    assert error.value.field == field
    assert not DealRequest.objects.exists() and not DealEvent.objects.exists()


def test_a_request_on_someone_elses_or_a_closed_opportunity_is_refused(rep, other_rep):
    data = {"list_amount": Decimal("10"), "net_amount": Decimal("9"), "term_months": 12, "justification": "why"}
    for opportunity in (OpportunityFactory(owner=other_rep), OpportunityFactory(owner=rep, stage="closed_won")):
        with pytest.raises(ApplicationError) as error:
            services.deal_request_create(requester=rep, opportunity=opportunity, data=data)
        assert error.value.field == "opportunity"
    assert not DealRequest.objects.exists()


def test_only_the_requester_edits_and_only_while_editable(rep, other_rep):
    request = draft(rep)
    with pytest.raises(ActionForbidden):
        services.deal_request_update(request_id=request.pk, actor=other_rep, data={"term_months": 36})
    services.deal_request_update(request_id=request.pk, actor=rep, data={"net_amount": Decimal("50000")})
    request.refresh_from_db()
    assert request.discount_percent == Decimal("50.00")
    submit(request)
    with pytest.raises(ConflictError):
        services.deal_request_update(request_id=request.pk, actor=rep, data={"term_months": 36})


# --- routing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "matching", "not_matching"),
    [
        ({"discount_over": Decimal("10")}, {"net_amount": Decimal("89990")}, {"net_amount": Decimal("90000")}),
        (
            {"discount_over": Decimal("10"), "discount_up_to": Decimal("25")},
            {"net_amount": Decimal("75000")},
            {"net_amount": Decimal("74990")},
        ),
        (
            {"net_amount_over": Decimal("88000")},  # USD, the company currency; 1 EUR = 1.10 USD today
            {"net_amount": Decimal("80000.01")},
            {"net_amount": Decimal("80000")},
        ),
        (
            {"net_amount_over": Decimal("88000"), "net_amount_up_to": Decimal("100000")},
            {"net_amount": Decimal("90000.00")},
            {"net_amount": Decimal("91000.00")},
        ),
        ({"term_months_over": 36}, {"term_months": 37}, {"term_months": 36}),
        (
            {"payment_terms": ["net_60", "net_90"]},
            {"payment_terms": PaymentTerms.NET_90},
            {"payment_terms": PaymentTerms.NET_45},
        ),
        ({"flags": [DealFlag.CUSTOM_LEGAL_TERMS]}, {"custom_legal_terms": True}, {"ramped_pricing": True}),
    ],
    ids=["discount", "discount band", "net amount", "net amount band", "term", "payment terms", "flags"],
)
def test_each_kind_of_condition_routes_only_the_requests_it_describes(team, eur, rule, matching, not_matching):
    ApprovalRuleFactory(name="Rule under test", **rule)
    assert route_names(submit(draft(team, **matching))) == ["Rule under test"]
    assert route_names(submit(draft(team, **not_matching))) == []


def test_an_amount_rule_without_a_rate_for_the_day_refuses_the_route_naming_currency_and_day(team, settings):
    ApprovalRuleFactory(name="Big deals", net_amount_over=Decimal("10000"))
    request = draft(team)  # in EUR, and no EUR rate on record
    with pytest.raises(ApplicationError, match=f"No exchange rate for EUR on {timezone.localdate().isoformat()}"):
        submit(request)
    assert DealRequest.objects.get(pk=request.pk).status == Status.DRAFT
    usd = draft(team, opportunity=OpportunityFactory(owner=team, currency="USD"), currency="USD")
    assert settings.COMPANY_CURRENCY == "USD"
    assert route_names(submit(usd)) == ["Big deals"]  # the company currency needs no rate


def test_segment_and_region_conditions_look_at_the_account(team):
    emea, apac = TerritoryFactory(), TerritoryFactory()
    rule = ApprovalRuleFactory(name="EMEA enterprise", segments=[Segment.ENTERPRISE])
    rule.territories.add(emea)
    fits = OpportunityFactory(owner=team, account=AccountFactory(segment=Segment.ENTERPRISE, territory=emea))
    wrong_region = OpportunityFactory(owner=team, account=AccountFactory(segment=Segment.ENTERPRISE, territory=apac))
    wrong_segment = OpportunityFactory(owner=team, account=AccountFactory(segment=Segment.SMB, territory=emea))
    assert route_names(submit(draft(team, opportunity=fits))) == ["EMEA enterprise"]
    assert route_names(submit(draft(team, opportunity=wrong_region))) == []
    assert route_names(submit(draft(team, opportunity=wrong_segment))) == []


def test_a_rule_needs_all_its_conditions_and_matching_rules_make_ordered_steps(team, finance):
    ApprovalRuleFactory(name="Finance", step_order=20, payment_terms=["net_90"], approvers=[(Kind.GROUP, finance)])
    ApprovalRuleFactory(name="Deep and long", step_order=10, discount_over=Decimal("30"), term_months_over=24)
    ApprovalRuleFactory(name="Manager", step_order=5, discount_over=Decimal("10"))
    ApprovalRuleFactory(name="Switched off", active=False)
    request = submit(draft(team, net_amount=Decimal("60000"), term_months=36, payment_terms=PaymentTerms.NET_90))
    assert route_names(request) == ["Manager", "Deep and long", "Finance"]
    short = submit(draft(team, net_amount=Decimal("60000"), term_months=24, payment_terms=PaymentTerms.NET_90))
    assert route_names(short) == ["Manager", "Finance"]


def test_a_request_no_rule_describes_is_approved_at_once(team):
    ApprovalRuleFactory(discount_over=Decimal("50"))
    request = submit(draft(team))
    assert request.status == Status.APPROVED
    assert request.events.filter(kind=DealEvent.Kind.REQUEST_APPROVED, detail__contains="within policy").exists()


def test_the_route_is_stored_and_later_rule_edits_do_not_change_it(team, vp):
    rule = ApprovalRuleFactory(name="Manager", discount_over=Decimal("10"))
    request = submit(draft(team))
    rule.name, rule.mode = "Renamed", ApprovalRule.Mode.ANY
    rule.save()
    rule.approvers.update(kind=Kind.USER, user=vp)
    step = request.steps.get()
    assert (step.name, step.mode) == ("Manager", ApprovalRule.Mode.ALL)
    assert [u.username for a in step.approvers.all() for u in a.candidates.all()] == ["mgr"]


def test_the_preview_names_the_approvers_and_writes_nothing(team, finance):
    ApprovalRuleFactory(name="Finance", approvers=[(Kind.GROUP, finance), (Kind.SECOND_MANAGER, None)])
    opportunity = OpportunityFactory(owner=team)
    data = {"list_amount": Decimal("100"), "net_amount": Decimal("50"), "term_months": 12, "justification": "x"}
    plan = services.deal_route_preview(requester=team, opportunity=opportunity, data=data)
    assert [(a.label, sorted(u.username for u in a.candidates)) for a in plan[0].approvers] == [
        ("finance (any member)", ["fay", "finn"]),
        (f"{team.manager.manager} (manager's manager)", ["vp"]),
    ]
    assert not DealRequest.objects.exists()


def test_a_route_nobody_can_approve_is_refused_at_submission(rep):
    # The rep has a manager, but the manager has none.
    ApprovalRuleFactory(name="VP", approvers=[(Kind.SECOND_MANAGER, None)])
    request = draft(rep)
    with pytest.raises(ApplicationError, match="Nobody can approve"):
        submit(request)
    request.refresh_from_db()
    assert (request.status, request.revision) == (Status.DRAFT, 0)
    assert not DealApprovalStep.objects.exists()


def test_routing_against_200_rules_costs_a_fixed_number_of_queries(team, finance, vp):
    approvers = [(Kind.MANAGER, None), (Kind.GROUP, finance), (Kind.USER, vp)]

    def make_rules(count, start, discount_over):
        for i in range(start, start + count):
            ApprovalRuleFactory(name=f"R{i}", discount_over=discount_over, approvers=approvers)

    def queries_to_submit():
        request = draft(team)  # 20 % off
        with CaptureQueriesContext(connection) as queries:
            submit(request)
        assert request.steps.count() == 5
        return len(queries)

    make_rules(5, 0, Decimal("10"))
    few = queries_to_submit()
    make_rules(195, 5, Decimal("50"))  # the matrix grows; the route does not
    assert ApprovalRule.objects.count() == 200
    assert queries_to_submit() == few


def test_submitting_against_200_rules_takes_10_queries_and_asks_the_approvers_after_commit(
    team, finance, vp, django_assert_num_queries
):
    approvers = [(Kind.MANAGER, None), (Kind.GROUP, finance), (Kind.USER, vp)]
    for i in range(200):
        ApprovalRuleFactory(name=f"R{i}", discount_over=Decimal("10" if i < 5 else "50"), approvers=approvers)
    request = draft(team)  # 20 % off: five steps of three approvers
    # The request locked with its people; the rules with their territories; their approvers; the groups'
    # members; the steps, approvers, candidates and timeline, one insert each; the request and its history
    # row. The two more are the savepoint and its release around the service (the test runs in a transaction).
    # Asking the approvers (delegations, decision links, preferences, outbox rows) waits for the commit.
    with committed(), django_assert_num_queries(10 + 2):
        submit_uncommitted(request)
    request.refresh_from_db()
    assert request.steps.count() == 5
    first = request.steps.get(position=1)
    assert request.active_step == first and first.status == DealApprovalStep.Status.PENDING
    assert first.remind_at is not None and first.next_check_at == first.remind_at  # announced
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == [
        DealEvent.Kind.SUBMITTED,
        DealEvent.Kind.ROUTED,
        DealEvent.Kind.STEP_REACHED,
    ]
    # The first step's candidates (manager, both of finance, the VP), each asked once, with their own link.
    assert sorted(EmailMessage.objects.values_list("to", flat=True)) == sorted(
        [["fay@example.com"], ["finn@example.com"], ["mgr@example.com"], ["vp@example.com"]]
    )
    assert sorted(first.email_links.values_list("user__username", flat=True)) == ["fay", "finn", "mgr", "vp"]


def test_asking_a_steps_approvers_costs_the_same_for_2_or_12_of_them(team, django_assert_max_num_queries):
    def queries_to_announce(size):
        group = Group.objects.create(name=f"g{size}")
        for i in range(size):
            UserFactory(username=f"{size}-{i}", email=f"{size}-{i}@example.com").groups.add(group)
        ApprovalRule.objects.update(active=False)
        ApprovalRuleFactory(name=f"R{size}", approvers=[(Kind.GROUP, group)])
        with TestCase.captureOnCommitCallbacks(execute=False):
            request = submit_uncommitted(draft(team))
        with CaptureQueriesContext(connection) as queries:
            assert services.deal_step_announce(step_id=request.active_step_id) == 1
        assert request.active_step.email_links.count() == size
        return len(queries)

    assert queries_to_announce(2) == queries_to_announce(12)


# --- deciding ---------------------------------------------------------------------------------------------------


def test_an_all_of_step_waits_for_every_approver(team, vp):
    ApprovalRuleFactory(name="Both", approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])
    request = submit(draft(team))
    approve(request, team.manager)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    approve(request, vp)
    request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_an_any_of_step_is_done_with_one_approval_and_the_others_are_then_too_late(team, finance):
    ApprovalRuleFactory(
        name="Finance", mode=ApprovalRule.Mode.ANY, approvers=[(Kind.GROUP, finance), (Kind.MANAGER, None)]
    )
    request = submit(draft(team))
    fay = finance.user_set.get(username="fay")
    approve(request, fay)
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    with pytest.raises(ConflictError):
        approve(request, team.manager)


def test_steps_run_in_order(team, vp):
    ApprovalRuleFactory(name="First", step_order=1)
    ApprovalRuleFactory(name="Second", step_order=2, approvers=[(Kind.USER, vp)])
    request = submit(draft(team))
    assert [r.pk for r in deal_inbox(user=vp)] == []
    with pytest.raises(ActionForbidden):
        approve(request, vp)
    approve(request, team.manager)
    assert [r.pk for r in deal_inbox(user=vp)] == [request.pk]
    assert [r.pk for r in deal_inbox(user=team.manager)] == []


def test_nobody_approves_their_own_request(manager, vp):
    manager.manager = vp
    manager.save()
    ApprovalRuleFactory(name="Named", approvers=[(Kind.USER, manager), (Kind.MANAGER, None)])
    request = draft(manager)
    # The matrix names the requester: that slot cannot be staffed, so the route is refused up front.
    with pytest.raises(ApplicationError, match="that is you, and nobody approves their own request"):
        submit(request)
    ApprovalRule.objects.all().delete()
    ApprovalRuleFactory(name="Group", approvers=[(Kind.MANAGER, None)])
    submit(request)
    with pytest.raises(ActionForbidden, match="own request"):
        approve(request, manager)
    assert not DealDecision.objects.exists()


def test_rejecting_or_asking_for_changes_needs_a_reason(team):
    ApprovalRuleFactory()
    request = submit(draft(team))
    for outcome in ("reject", "request_changes"):
        with pytest.raises(ApplicationError) as error:
            services.deal_request_decide(request_id=request.pk, actor=team.manager, outcome=outcome, comment=" ")
        assert error.value.field == "comment"
    assert not DealDecision.objects.exists()
    services.deal_request_decide(request_id=request.pk, actor=team.manager, outcome="reject", comment="Too deep")
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.steps.get().status == DealApprovalStep.Status.REJECTED


def test_someone_not_on_the_step_may_not_decide(team, other_rep):
    ApprovalRuleFactory()
    request = submit(draft(team))
    with pytest.raises(ActionForbidden):
        approve(request, other_rep)


def test_a_decision_on_a_request_that_moved_on_is_a_conflict(team):
    ApprovalRuleFactory()
    request = submit(draft(team))
    services.deal_request_recall(request_id=request.pk, actor=team)
    with pytest.raises(ConflictError):
        approve(request, team.manager)
    services.deal_request_resubmit(request_id=request.pk, actor=team)
    with pytest.raises(ConflictError, match="resubmitted"):
        approve(request, team.manager, revision=1)
    approve(request, team.manager, revision=2)


def test_decisions_cannot_be_edited_or_deleted(team):
    ApprovalRuleFactory()
    request = submit(draft(team))
    decision = approve(request, team.manager)
    decision.comment = "rewritten"
    with pytest.raises(Exception, match="cannot be changed"):
        decision.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        decision.delete()


# --- delegation -------------------------------------------------------------------------------------------------


def test_a_delegate_decides_inside_the_dates_and_the_record_shows_both_names(team, other_rep, frozen):
    ApprovalRuleFactory()
    today = T0.date()
    services.deal_delegation_create(
        approver=team.manager, delegate=other_rep, starts_on=today, ends_on=today + dt.timedelta(days=2)
    )
    request = submit(draft(team))
    assert [r.pk for r in deal_inbox(user=other_rep)] == [request.pk]
    decision = approve(request, other_rep, comment="for mgr")
    assert (decision.approver, decision.decided_by) == (team.manager, other_rep)
    event = request.events.get(kind=DealEvent.Kind.APPROVED)
    assert (event.actor, event.on_behalf_of) == (other_rep, team.manager)


@pytest.mark.parametrize("days", [-3, 3], ids=["ended", "not yet begun"])
def test_a_delegate_outside_the_dates_neither_sees_nor_decides(team, other_rep, frozen, days):
    ApprovalRuleFactory()
    first = T0.date() + dt.timedelta(days=days)
    ApprovalDelegation.objects.create(approver=team.manager, delegate=other_rep, starts_on=first, ends_on=first)
    request = submit(draft(team))
    assert not deal_inbox(user=other_rep).exists()
    assert not deal_request_list(user=other_rep).exists()
    with pytest.raises(ActionForbidden):
        approve(request, other_rep)


def test_the_approver_and_their_delegate_decide_once_between_them(team, other_rep, frozen):
    ApprovalRuleFactory(approvers=[(Kind.MANAGER, None), (Kind.USER, UserFactory(username="x"))])
    services.deal_delegation_create(approver=team.manager, delegate=other_rep, starts_on=T0.date(), ends_on=T0.date())
    request = submit(draft(team))
    approve(request, team.manager)
    with pytest.raises(ConflictError, match="already decided"):
        approve(request, other_rep)
    assert DealDecision.objects.count() == 1


# --- resubmission -----------------------------------------------------------------------------------------------


def test_a_resubmission_asks_again_only_the_steps_whose_inputs_changed(team, vp, finance):
    ApprovalRuleFactory(name="Discount", step_order=1, discount_over=Decimal("10"))
    ApprovalRuleFactory(name="Term", step_order=2, term_months_over=12, approvers=[(Kind.USER, vp)])
    ApprovalRuleFactory(name="Finance", step_order=3, payment_terms=["net_90"], approvers=[(Kind.GROUP, finance)])
    request = submit(draft(team, payment_terms=PaymentTerms.NET_90))
    approve(request, team.manager)
    approve(request, vp)
    fay = finance.user_set.get(username="fay")
    services.deal_request_decide(request_id=request.pk, actor=fay, outcome="request_changes", comment="Net 60 max")
    services.deal_request_update(
        request_id=request.pk, actor=team, data={"payment_terms": PaymentTerms.NET_60, "net_amount": Decimal("79000")}
    )
    request = services.deal_request_resubmit(request_id=request.pk, actor=team)
    steps = {s.name: s for s in request.steps.filter(revision=2)}
    # The discount changed (20 → 21 %): asked again. The term did not: its approval stands. Finance no longer applies.
    assert set(steps) == {"Discount", "Term"}
    assert steps["Discount"].status == DealApprovalStep.Status.PENDING
    assert steps["Term"].status == DealApprovalStep.Status.APPROVED and steps["Term"].carried_from_id
    approve(request, team.manager)
    request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_an_unchanged_resubmission_keeps_every_approval_given(team, vp):
    ApprovalRuleFactory(name="A", step_order=1)
    ApprovalRuleFactory(name="B", step_order=2, approvers=[(Kind.USER, vp)])
    request = submit(draft(team))
    approve(request, team.manager)
    services.deal_request_decide(request_id=request.pk, actor=vp, outcome="request_changes", comment="Add a reason")
    services.deal_request_update(request_id=request.pk, actor=team, data={"justification": "A better reason"})
    request = services.deal_request_resubmit(request_id=request.pk, actor=team)
    assert request.active_step.name == "B"
    assert request.events.filter(kind=DealEvent.Kind.APPROVAL_KEPT).count() == 1


def test_submitting_twice_submits_once(team):
    ApprovalRuleFactory()
    request = draft(team)
    submit(request)
    submit(request)
    request.refresh_from_db()
    assert request.revision == 1
    assert request.events.filter(kind=DealEvent.Kind.SUBMITTED).count() == 1
    assert EmailMessage.objects.filter(to=["mgr@example.com"]).count() == 1


# --- e-mails, reminders, escalation, expiry -------------------------------------------------------------------


def test_approvers_are_asked_after_commit_and_the_rep_hears_once_when_the_round_ends(
    team, vp, django_capture_on_commit_callbacks
):
    ApprovalRuleFactory(name="A", step_order=1)
    ApprovalRuleFactory(name="B", step_order=2, approvers=[(Kind.USER, vp)])
    request = draft(team)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.deal_request_submit(request_id=request.pk, actor=team)
    assert mail.outbox == [] and not EmailMessage.objects.exists()  # nobody is asked before the commit
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the manager is asked, the mail sent
        for callback in callbacks:
            callback()
    assert [m.to for m in mail.outbox] == [["mgr@example.com"]]
    assert "Approval needed" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, team.manager, comment="Fine by me")
    # A step approved on the way is not the end of the round: the next approver is asked, the rep hears nothing.
    assert [m.to for m in mail.outbox[1:]] == [["vp@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, vp)
    to_rep = [m for m in mail.outbox if m.to == ["rita@example.com"]]
    assert len(to_rep) == 1
    assert to_rep[0].subject.startswith("Approved")
    assert "Fine by me" in to_rep[0].body and f"Approved by {team.manager}" in to_rep[0].body
    assert f"Approved by {vp}" in to_rep[0].body


def test_a_rejection_ends_the_round_with_one_email_listing_its_decisions(team, vp):
    ApprovalRuleFactory(name="A", step_order=1)
    ApprovalRuleFactory(name="B", step_order=2, approvers=[(Kind.USER, vp)])
    request = submit(draft(team))
    approve(request, team.manager, comment="Fine by me")
    services.deal_request_decide(request_id=request.pk, actor=vp, outcome="reject", comment="Too deep a cut")
    to_rep = list(EmailMessage.objects.filter(to=["rita@example.com"]))
    assert [m.idempotency_key for m in to_rep] == [f"deal-desk:request:{request.pk}:1:rejected"]
    assert [step["decisions"][0]["outcome"] for step in to_rep[0].context["decisions"]] == ["Approved", "Rejected"]
    assert to_rep[0].context["comment"] == "Too deep a cut"


def test_an_announcement_lost_with_the_broker_is_made_by_the_scan_once(team, vp, frozen):
    ApprovalRuleFactory(approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])
    with TestCase.captureOnCommitCallbacks(execute=False):  # the commit's task never reaches a worker
        request = submit_uncommitted(draft(team))
    assert not EmailMessage.objects.exists()
    frozen.now = T0 + dt.timedelta(minutes=1)
    assert services.deal_desk_scan() == 1
    assert services.deal_desk_scan() == 0
    assert services.deal_step_announce(step_id=request.active_step_id) == 0  # the task, late: nothing left to do
    asked = EmailMessage.objects.filter(idempotency_key__contains=":ask:")
    assert sorted(m.to[0] for m in asked) == ["mgr@example.com", "vp@example.com"]
    assert request.active_step.email_links.count() == 2
    step = DealApprovalStep.objects.get(pk=request.active_step_id)
    assert step.next_check_at == step.remind_at  # the reminder still counts from the activation
    assert not request.events.filter(kind__in=["reminded", "escalated"]).exists()


def test_a_request_recalled_before_its_approvers_were_asked_tells_nobody(team):
    ApprovalRuleFactory()
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        request = submit_uncommitted(draft(team))
    with committed():
        services.deal_request_recall(request_id=request.pk, actor=team)
        for callback in callbacks:  # the announcement comes after the recall: the step is no longer due
            callback()
    assert services.deal_desk_scan() == 0
    assert not EmailMessage.objects.exists() and not DealDecisionLink.objects.exists()


def test_a_recall_tells_the_approvers_who_have_not_answered_yet(team, vp, django_capture_on_commit_callbacks):
    ApprovalRuleFactory(approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])
    request = submit(draft(team))
    approve(request, vp)
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_request_recall(request_id=request.pk, actor=team, reason="The customer changed scope")
        services.deal_request_recall(request_id=request.pk, actor=team)  # a second click changes nothing
    recalled = EmailMessage.objects.filter(subject__startswith="Recalled")
    assert [m.to for m in recalled] == [["mgr@example.com"]]  # vp had answered already
    assert request.events.filter(kind=DealEvent.Kind.RECALLED, detail="The customer changed scope").count() == 1


def test_a_waiting_step_reminds_then_escalates_once_each_in_working_hours(team, frozen):
    ApprovalRuleFactory(remind_after_hours=2, escalate_after_hours=4)
    request = submit(draft(team))
    frozen.now = T0 + 1 * H
    assert services.deal_desk_scan() == 0
    frozen.now = T0 + 2 * H
    services.deal_desk_scan()
    services.deal_desk_scan()
    frozen.now = T0 + 5 * H
    services.deal_desk_scan()
    services.deal_desk_scan()
    kinds = list(request.events.filter(kind__in=["reminded", "escalated"]).values_list("kind", flat=True))
    assert kinds == ["reminded", "escalated"]
    assert EmailMessage.objects.filter(subject__startswith="Reminder", to=["mgr@example.com"]).count() == 1
    assert EmailMessage.objects.filter(subject__startswith="Escalated", to=["vp@example.com"]).count() == 1


def test_a_decided_step_is_neither_reminded_nor_escalated(team, frozen):
    ApprovalRuleFactory(remind_after_hours=2, escalate_after_hours=4)
    request = submit(draft(team))
    approve(request, team.manager)
    frozen.now = T0 + 10 * H
    assert services.deal_desk_scan() == 0
    assert not request.events.filter(kind__in=["reminded", "escalated"]).exists()


def test_an_approval_expires_unless_the_deal_closed(team, frozen, settings):
    settings.DEAL_DESK_APPROVAL_VALID_DAYS = 30
    lapsing, kept = submit(draft(team)), submit(draft(team))
    kept.opportunity.stage = OpportunityStage.CLOSED_WON
    kept.opportunity.save()
    frozen.now = T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1)
    services.deal_desk_scan()
    assert DealRequest.objects.get(pk=lapsing.pk).status == Status.APPROVED
    frozen.now = T0 + dt.timedelta(days=30)
    services.deal_desk_scan()
    services.deal_desk_scan()
    assert DealRequest.objects.get(pk=lapsing.pk).status == Status.EXPIRED
    assert DealRequest.objects.get(pk=kept.pk).status == Status.APPROVED
    assert EmailMessage.objects.filter(subject__startswith="The approval expired").count() == 1


# --- visibility -------------------------------------------------------------------------------------------------


def test_each_role_sees_its_own_requests(team, other_rep, vp, sales_ops, marketing_ops):
    ApprovalRuleFactory(approvers=[(Kind.USER, vp)])
    mine, theirs = submit(draft(team)), draft(other_rep)
    assert set(deal_request_list(user=team)) == {mine}
    assert set(deal_request_list(user=other_rep)) == {theirs}
    assert set(deal_request_list(user=team.manager)) == {mine}  # the team's
    assert set(deal_request_list(user=vp)) == {mine}  # in front of them (and their team's)
    assert set(deal_request_list(user=sales_ops)) == {mine, theirs}
    assert set(deal_request_list(user=marketing_ops)) == set()  # the deal desk is sales ops' business


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_approvers_of_an_all_of_step_at_once_both_count(on_postgres, vp, manager, rep):
    manager.manager = vp
    manager.save()
    ApprovalRuleFactory(approvers=[(Kind.MANAGER, None), (Kind.USER, vp)])
    request = submit(draft(rep))
    users = iter([manager, vp])
    results = run_at_once(lambda: approve(request, next(users)).pk)
    assert not [r for r in results if isinstance(r, Exception)], results
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert DealDecision.objects.count() == 2
    assert request.events.filter(kind=DealEvent.Kind.REQUEST_APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvers_of_an_any_of_step_at_once_one_wins_the_other_is_told(on_postgres, finance, rep):
    ApprovalRuleFactory(mode=ApprovalRule.Mode.ANY, approvers=[(Kind.GROUP, finance)])
    request = submit(draft(rep))
    users = iter(list(finance.user_set.all()))
    results = run_at_once(lambda: approve(request, next(users)).pk)
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "int"]
    assert DealDecision.objects.count() == 1
    request.refresh_from_db()
    assert request.status == Status.APPROVED


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_recall_ends_consistent(on_postgres, manager, rep):
    ApprovalRuleFactory()
    request = submit(draft(rep))
    moves = iter(
        [
            lambda: approve(request, manager),
            lambda: services.deal_request_recall(request_id=request.pk, actor=rep),
        ]
    )
    results = run_at_once(lambda: next(moves)())
    request.refresh_from_db()
    errors = [r for r in results if isinstance(r, Exception)]
    if request.status == Status.APPROVED:
        assert [type(e) for e in errors] == [ConflictError]  # the recall came too late
    else:
        assert request.status == Status.RECALLED
        assert [type(e) for e in errors] == [ConflictError] and not DealDecision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_once_submits_once(on_postgres, manager, rep):
    ApprovalRuleFactory()
    request = draft(rep)
    results = run_at_once(lambda: submit(request).revision, times=3)
    assert results == [1, 1, 1]
    assert DealApprovalStep.objects.count() == 1
    assert DealEvent.objects.filter(kind=DealEvent.Kind.SUBMITTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_scans_remind_once(on_postgres, manager, rep, frozen):
    manager.email = "mgr@example.com"
    manager.save()
    ApprovalRuleFactory(remind_after_hours=1, escalate_after_hours=50)
    for _ in range(12):
        submit(draft(rep))
    frozen.now = T0 + 2 * H
    results = run_at_once(lambda: services.deal_desk_scan(batch_size=5))
    assert sum(results) == 12
    assert DealEvent.objects.filter(kind=DealEvent.Kind.REMINDED).count() == 12
    assert EmailMessage.objects.filter(subject__startswith="Reminder").count() == 12
