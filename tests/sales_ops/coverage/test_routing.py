"""Lead routing: the account owner, the most specific rule, weighted round robin, caps, out of office, the
fallback; the reason in words; preview writes nothing; a fixed query count whatever the tree's size."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.exceptions import ApplicationError
from apps.core.factories import AccountFactory, TerritoryFactory
from apps.core.models import Lead, LeadStage, LeadTransition
from apps.core.services import leads
from apps.sales_ops.coverage.factories_routing import (
    TerritoryMemberFactory,
    TerritoryRoutingFactory,
    TerritoryRuleFactory,
)
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember
from apps.sales_ops.coverage.services.routing import lead_route
from apps.sales_ops.models import ApprovalDelegation
from tests.sales_ops.conftest import T0
from tests.sales_ops.coverage.conftest import mql_lead, open_handoffs

pytestmark = pytest.mark.django_db


def hand_off(lead, actor=None) -> Lead:
    return leads.lead_handoff(lead_id=lead.pk, actor=actor)


def last_decision() -> RoutingDecision:
    return RoutingDecision.objects.latest("id")


# --- 1. the account's owner --------------------------------------------------------------------------------------


def test_a_named_account_goes_to_its_owner_when_they_are_a_member(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=bo)
    TerritoryMemberFactory(territory=TerritoryFactory(code="elsewhere"), user=ana)

    lead = hand_off(mql_lead(country="DE", owner=ana))

    assert (lead.stage, lead.owner) == (LeadStage.SQL, ana)
    decision = last_decision()
    assert (decision.lead, decision.owner, decision.method) == (lead, ana, "named_account")
    assert decision.reason == "named account of Ana Alves"


def test_an_account_owner_who_is_no_member_does_not_get_the_lead(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=bo)

    assert hand_off(mql_lead(country="DE", owner=ana)).owner == bo


def test_an_account_owner_out_of_office_falls_through_to_the_rules(frozen, dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=bo)
    TerritoryMemberFactory(territory=dach, user=ana)
    ApprovalDelegation.objects.create(approver=ana, delegate=bo, starts_on=T0.date(), ends_on=T0.date())

    assert hand_off(mql_lead(country="DE", owner=ana)).owner == bo
    assert last_decision().reason == (
        "round robin in EMEA-DACH (country DE), Ana Alves skipped (out of office), "
        "account owner Ana Alves is out of office"
    )


# --- 2. the most specific rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rules, expected",
    [
        ({"account": "named", "country_segment": "cs", "country": "c", "segment": "s"}, "named"),
        ({"country_segment": "cs", "country": "c", "segment": "s"}, "cs"),
        ({"country": "c", "segment": "s"}, "c"),
        ({"segment": "s"}, "s"),
    ],
)
def test_the_most_specific_rule_wins(db, rules, expected):
    account = AccountFactory(country="DE", segment="enterprise")
    reps = {}
    for kind, code in rules.items():
        territory = TerritoryFactory(code=code, name=code.upper())
        reps[code] = TerritoryMemberFactory(territory=territory).user
        fields = {
            "account": {"account": account, "country": ""},
            "country_segment": {"country": "DE", "segment": "enterprise"},
            "country": {"country": "DE"},
            "segment": {"country": "", "segment": "enterprise"},
        }[kind]
        TerritoryRuleFactory(territory=territory, **fields)

    assert hand_off(mql_lead(account=account)).owner == reps[expected]


def test_a_rule_of_another_country_or_segment_does_not_match(db, bo, dach):
    TerritoryRuleFactory(territory=dach, country="AT", segment="smb")
    TerritoryMemberFactory(territory=dach, user=bo)

    with pytest.raises(ApplicationError) as refused:
        hand_off(mql_lead(country="DE", segment="smb"))
    assert refused.value.code == "no_route"


# --- 3. weighted round robin --------------------------------------------------------------------------------------


@pytest.fixture
def weighted(dach, ana, bo, cy):
    """EMEA-DACH takes German leads; Ana weighs 3, Bo 2, Cy 1."""
    TerritoryRuleFactory(territory=dach, country="DE")
    for user, weight in ((ana, 3), (bo, 2), (cy, 1)):
        TerritoryMemberFactory(territory=dach, user=user, weight=weight)
    return dach


def test_round_robin_takes_turns_smoothly_by_weight(weighted, ana, bo, cy):
    owners = [hand_off(mql_lead()).owner for _ in range(6)]

    assert owners == [ana, bo, ana, cy, bo, ana]  # nginx's smooth order: no run of one rep's turns


def test_over_many_leads_the_counts_match_the_weights(weighted, ana, bo, cy):
    counts = Counter(hand_off(mql_lead()).owner.username for _ in range(60))

    assert counts == {"ana": 30, "bo": 20, "cy": 10}
    assert last_decision().reason == "round robin in EMEA-DACH (country DE)"


# --- 4. caps and out of office -----------------------------------------------------------------------------------


def test_a_member_at_their_cap_is_skipped_and_the_reason_says_so(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo, cap=25)
    open_handoffs(bo, 25)

    owners = {hand_off(mql_lead()).owner for _ in range(3)}

    assert owners == {ana}
    assert last_decision().reason == "round robin in EMEA-DACH (country DE), Bo Berg skipped at cap 25"


def test_accepted_leads_count_against_the_cap_and_converted_ones_do_not(dach, ana, bo):
    from apps.core.factories import LeadFactory

    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo, cap=2)
    LeadFactory(stage=LeadStage.SAL, owner=bo)
    LeadFactory(stage=LeadStage.OPPORTUNITY, owner=bo)

    owners = [hand_off(mql_lead()).owner for _ in range(4)]

    assert owners.count(bo) == 1  # one open (sal) + one routed = the cap of 2


def test_a_cap_of_zero_pauses_a_member(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo, cap=0)

    assert {hand_off(mql_lead()).owner for _ in range(3)} == {ana}


def test_a_member_out_of_office_today_is_skipped(frozen, dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo)
    ApprovalDelegation.objects.create(
        approver=bo, delegate=ana, starts_on=T0.date() - dt.timedelta(days=2), ends_on=T0.date()
    )

    assert {hand_off(mql_lead()).owner for _ in range(3)} == {ana}
    assert last_decision().reason == "round robin in EMEA-DACH (country DE), Bo Berg skipped (out of office)"


def test_a_member_back_from_holiday_takes_turns_again(frozen, dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo)
    ApprovalDelegation.objects.create(
        approver=bo, delegate=ana, starts_on=T0.date() - dt.timedelta(days=9), ends_on=T0.date() - dt.timedelta(days=1)
    )

    assert {hand_off(mql_lead()).owner for _ in range(2)} == {ana, bo}


def test_an_inactive_member_is_skipped(dach, ana, bo):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana)
    TerritoryMemberFactory(territory=dach, user=bo)
    bo.is_active = False
    bo.save()

    assert {hand_off(mql_lead()).owner for _ in range(2)} == {ana}


# --- 5. the fallback ----------------------------------------------------------------------------------------------


def test_when_every_member_is_at_cap_the_territorys_fallback_owner_gets_it(dach, ana, bo, cy):
    TerritoryRuleFactory(territory=dach, country="DE")
    TerritoryMemberFactory(territory=dach, user=ana, cap=1)
    TerritoryMemberFactory(territory=dach, user=bo, cap=0)
    routing = TerritoryRoutingFactory(territory=dach)
    routing.fallback_owner = cy
    routing.save()
    open_handoffs(ana, 1)

    assert hand_off(mql_lead()).owner == cy
    decision = last_decision()
    assert decision.method == "fallback"
    assert decision.reason == (
        "fallback queue owner of EMEA-DACH: Cy Cruz, nobody free in EMEA-DACH (country DE): "
        "Ana Alves skipped at cap 1, Bo Berg skipped at cap 0"
    )


def test_without_a_matching_rule_the_queue_owner_setting_gets_it(settings, db, cy):
    settings.LEAD_ROUTING_QUEUE_OWNER = "cy"

    assert hand_off(mql_lead(country="FR", segment="smb")).owner == cy
    assert last_decision().reason == "the routing queue owner: Cy Cruz, no territory rule matches (country FR, smb)"


def test_a_territory_without_fallback_owner_falls_back_to_the_queue_owner(settings, dach, cy):
    settings.LEAD_ROUTING_QUEUE_OWNER = "cy"
    TerritoryRuleFactory(territory=dach, country="DE")

    assert hand_off(mql_lead()).owner == cy
    assert "nobody free in EMEA-DACH (country DE): it has no members" in last_decision().reason


def test_with_nobody_to_route_to_the_hand_off_is_refused_and_nothing_written(settings, marketing_ops):
    settings.LEAD_ROUTING_QUEUE_OWNER = ""
    lead = mql_lead(country="FR")

    with pytest.raises(ApplicationError) as refused:
        hand_off(lead, actor=marketing_ops)

    assert (refused.value.code, refused.value.field) == ("no_route", "owner")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (LeadStage.MQL, None)
    assert not RoutingDecision.objects.exists()
    assert not LeadTransition.objects.filter(lead=lead, to_stage=LeadStage.SQL).exists()


def test_without_a_router_a_hand_off_must_name_its_owner(settings, weighted):
    settings.LEAD_ROUTER = ""

    with pytest.raises(ApplicationError) as refused:
        hand_off(mql_lead())
    assert (refused.value.code, refused.value.field) == ("required", "owner")


def test_a_named_owner_is_not_routed(weighted, cy):
    lead = leads.lead_handoff(lead_id=mql_lead().pk, owner=cy, actor=None)

    assert lead.owner == cy
    assert not RoutingDecision.objects.exists()


def test_a_refused_hand_off_routes_nothing(weighted, rep):
    lead = mql_lead()

    with pytest.raises(ApplicationError):
        hand_off(lead, actor=rep)  # a rep may not hand off

    assert not RoutingDecision.objects.exists()
    assert set(TerritoryMember.objects.values_list("rr_current", flat=True)) == {0}


# --- preview --------------------------------------------------------------------------------------------------------


def test_a_preview_answers_the_next_owner_and_writes_nothing(weighted, ana, bo):
    hand_off(mql_lead())  # Ana's turn taken
    lead = mql_lead()
    scores = list(TerritoryMember.objects.order_by("id").values_list("rr_current", flat=True))

    preview = lead_route(lead=lead, preview=True)

    assert (preview.pk, preview.owner, preview.reason) == (None, bo, "round robin in EMEA-DACH (country DE)")
    assert RoutingDecision.objects.count() == 1
    assert list(TerritoryMember.objects.order_by("id").values_list("rr_current", flat=True)) == scores
    assert hand_off(lead).owner == bo  # the preview told the truth


# --- a fixed query count --------------------------------------------------------------------------------------------


def _queries_of_one_routed_handoff(marketing_ops) -> int:
    lead = mql_lead()
    with CaptureQueriesContext(connection) as captured:
        hand_off(lead, actor=marketing_ops)
    return len(captured)


def _grow_tree(parents: int, children_each: int, members_each: int) -> None:
    for p in range(parents):
        region = TerritoryFactory(code=f"r{p}", name=f"Region {p}")
        for c in range(children_each):
            territory = TerritoryFactory(code=f"r{p}-{c}", name=f"Territory {p}.{c}", parent=region)
            TerritoryRuleFactory(territory=territory, country="", segment="", account=AccountFactory())
            for _ in range(members_each):
                TerritoryMemberFactory(territory=territory)


def test_a_routed_hand_off_costs_the_same_queries_whatever_the_tree_and_team_size(weighted, marketing_ops):
    from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory as Member

    _queries_of_one_routed_handoff(marketing_ops)  # first use of each cache (content types, groups) out of the way
    small = _queries_of_one_routed_handoff(marketing_ops)
    _grow_tree(parents=4, children_each=5, members_each=2)
    for _ in range(6):
        Member(territory=weighted)
    large = _queries_of_one_routed_handoff(marketing_ops)

    assert small == large


def test_the_routing_itself_takes_seven_queries(weighted, django_assert_num_queries):
    lead = mql_lead()
    # account, rules, lock the routing row, lock members (+ away), count open hand-offs, scores, the decision
    with django_assert_num_queries(7):
        lead_route(lead=lead)


def test_a_lead_that_has_an_owner_keeps_them_when_handed_off_without_one(weighted, cy):
    lead = mql_lead()
    Lead.objects.filter(pk=lead.pk).update(owner=cy)

    assert hand_off(lead).owner == cy
    assert not RoutingDecision.objects.exists()
