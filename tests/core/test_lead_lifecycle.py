"""The lead lifecycle: each allowed move, illegal moves refused with nothing written, who may move what."""

import pytest

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.factories import ContactFactory, LeadFactory, UserFactory
from apps.core.models import Lead, LeadStage, LeadTransition, Opportunity, Role
from apps.core.models.customers import LEAD_MOVES, STAGES_NEEDING_REASON
from apps.core.services import leads

ALLOWED = [(source, target) for source, targets in LEAD_MOVES.items() for target in targets]
ILLEGAL = [(s, t) for s in LeadStage.values for t in LeadStage.values if s != t and t not in LEAD_MOVES[s]]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_each_allowed_move_changes_the_stage_and_records_who_and_when(source, target, sales_ops, rep):
    lead = LeadFactory(stage=source, owner=rep)
    reason = "Budget frozen" if target in STAGES_NEEDING_REASON else ""
    moved = leads.lead_move(lead_id=lead.pk, to_stage=target, actor=sales_ops, reason=reason)
    transition = LeadTransition.objects.get(lead=lead)
    assert (moved.stage, moved.stage_changed_by, moved.stage_reason) == (target, sales_ops, reason)
    assert (transition.from_stage, transition.to_stage, transition.actor) == (source, target, sales_ops)
    assert transition.at == moved.stage_changed_at


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_each_illegal_move_is_refused_and_writes_nothing(source, target, sales_ops, rep):
    lead = LeadFactory(stage=source, owner=rep)
    with pytest.raises(ApplicationError) as refused:
        leads.lead_move(lead_id=lead.pk, to_stage=target, actor=sales_ops, reason="why not")
    assert refused.value.code == "illegal_move"
    assert f"This lead is {LeadStage(source).label}" in refused.value.message
    assert f"'{source}'" not in refused.value.message and f"'{target}'" not in refused.value.message
    lead.refresh_from_db()
    assert lead.stage == source
    assert not LeadTransition.objects.filter(lead=lead).exists()


@pytest.mark.parametrize("target", sorted(STAGES_NEEDING_REASON))
def test_recycling_or_disqualifying_needs_a_reason(target, sales_ops):
    lead = LeadFactory(stage=LeadStage.MQL)
    with pytest.raises(ApplicationError, match="needs a reason") as caught:
        leads.lead_move(lead_id=lead.pk, to_stage=target, actor=sales_ops, reason="   ")
    assert caught.value.field == "reason"
    lead.refresh_from_db()
    assert lead.stage == LeadStage.MQL


def test_an_unknown_stage_is_refused(sales_ops):
    lead = LeadFactory(stage=LeadStage.MQL)
    with pytest.raises(ApplicationError, match="not a lead stage"):
        leads.lead_move(lead_id=lead.pk, to_stage="won", actor=sales_ops)


def test_moving_to_the_current_stage_again_is_a_no_op(sales_ops, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    leads.lead_accept(lead_id=lead.pk, actor=rep)
    leads.lead_accept(lead_id=lead.pk, actor=rep)
    assert LeadTransition.objects.filter(lead=lead).count() == 1


def test_create_records_the_first_transition(marketing_ops):
    lead = leads.lead_create(contact=ContactFactory(), source="webinar", score=40, actor=marketing_ops)
    assert lead.stage == LeadStage.NEW
    assert lead.account_id == lead.contact.account_id
    assert LeadTransition.objects.get(lead=lead).to_stage == LeadStage.NEW


def test_handoff_assigns_the_owner(marketing_ops, rep):
    lead = LeadFactory(stage=LeadStage.MQL)
    leads.lead_handoff(lead_id=lead.pk, owner=rep, actor=marketing_ops)
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (LeadStage.SQL, rep)


def test_handoff_to_someone_outside_sales_is_refused(marketing_ops):
    lead = LeadFactory(stage=LeadStage.MQL)
    with pytest.raises(ApplicationError, match="not an active rep"):
        leads.lead_handoff(lead_id=lead.pk, owner=marketing_ops, actor=marketing_ops)


def test_convert_creates_one_opportunity_owned_by_the_lead_owner(rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    opportunity = leads.lead_convert(lead_id=lead.pk, actor=rep, amount=25000, currency="EUR")
    assert (opportunity.owner, opportunity.account, opportunity.source_lead) == (rep, lead.account, lead)
    again = leads.lead_convert(lead_id=lead.pk, actor=rep)
    assert again == opportunity
    assert Opportunity.objects.count() == 1


def test_a_failed_convert_leaves_the_lead_where_it_was(rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    with pytest.raises(ApplicationError):
        leads.lead_convert(lead_id=lead.pk, actor=rep, currency="XXX")
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SAL
    assert not LeadTransition.objects.filter(lead=lead).exists()


def test_reject_refuses_a_lead_that_was_accepted_meanwhile(rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    with pytest.raises(ApplicationError, match="This lead is Sales accepted now, not Sales qualified"):
        leads.lead_reject(lead_id=lead.pk, actor=rep, reason="Not our market")


def test_a_rep_cannot_move_another_reps_lead(rep, other_rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=other_rep)
    with pytest.raises(ActionForbidden):
        leads.lead_accept(lead_id=lead.pk, actor=rep)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SQL


def test_a_manager_may_move_a_lead_of_someone_in_their_chain(manager, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    leads.lead_accept(lead_id=lead.pk, actor=manager)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SAL


def test_a_rep_cannot_hand_off_leads(rep):
    lead = LeadFactory(stage=LeadStage.MQL)
    with pytest.raises(ActionForbidden):
        leads.lead_handoff(lead_id=lead.pk, owner=rep, actor=rep)


def test_marketing_ops_cannot_accept_for_sales(marketing_ops, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    with pytest.raises(ActionForbidden):
        leads.lead_accept(lead_id=lead.pk, actor=marketing_ops)


def test_marketing_ops_may_disqualify_a_lead_still_in_marketing(marketing_ops):
    lead = LeadFactory(stage=LeadStage.NEW)
    leads.lead_disqualify(lead_id=lead.pk, actor=marketing_ops, reason="Student")
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.DISQUALIFIED


def test_the_system_itself_may_make_any_legal_move(rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=rep)
    leads.lead_recycle(lead_id=lead.pk, actor=None, reason="SLA breached")
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.RECYCLED


def test_database_refuses_a_recycled_lead_without_reason(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        LeadFactory(stage=LeadStage.RECYCLED, stage_reason="")


def test_role_helpers(rep, sales_ops):
    assert rep.has_role(Role.REP) and not rep.has_role(Role.SALES_OPS)
    assert sales_ops.is_ops
    assert UserFactory(username="boss", is_superuser=True).has_role(Role.SALES_OPS)


def test_a_refusal_names_the_stages_by_their_labels_never_their_codes(rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    with pytest.raises(ApplicationError) as refused:
        leads.lead_move(lead_id=lead.pk, to_stage=LeadStage.SQL, actor=None, expected_stage=LeadStage.MQL)
    assert refused.value.code == "illegal_move"
    assert refused.value.message == (
        "This lead is Sales accepted, so it cannot become Sales qualified (handed to sales). From Sales accepted it "
        "can become: Converted to opportunity, Recycled to nurture, Disqualified."
    )
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SAL and not LeadTransition.objects.filter(lead=lead).exists()


def test_someone_moving_the_lead_first_is_a_conflict_named_in_labels(rep):
    lead = LeadFactory(stage=LeadStage.SAL, owner=rep)
    with pytest.raises(ApplicationError) as refused:
        leads.lead_move(lead_id=lead.pk, to_stage=LeadStage.RECYCLED, actor=None, reason="r", expected_stage="mql")
    assert (refused.value.code, refused.value.status_code) == ("stage_changed", 409)  # STYLE.md: moved on is a 409
    assert refused.value.message == "This lead is Sales accepted now, not Marketing qualified: someone moved it first."
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SAL and not LeadTransition.objects.filter(lead=lead).exists()
