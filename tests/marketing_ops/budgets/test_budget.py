"""Envelopes and the plan: limits that say by how much, and every move recorded rather than edited."""

import datetime as dt

import pytest

from apps.core.exceptions import ApplicationError
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import BudgetMove, Campaign, CampaignStatus, Channel
from apps.marketing_ops.budgets.services import budget
from tests.marketing_ops.budgets.conftest import D, post


def plan(campaign, amount, reason="Spring push"):
    return budget.campaign_plan_set(campaign_id=campaign.pk, amount=amount, actor=None, reason=reason)


def test_planning_within_the_envelope_draws_from_it_and_is_recorded(envelope, marketing_ops):
    campaign = CampaignFactory(envelope=envelope, planned_amount=0)
    budget.campaign_plan_set(campaign_id=campaign.pk, amount="6000.00", actor=marketing_ops, reason="Q2 plan")
    campaign.refresh_from_db()
    assert campaign.planned_amount == D("6000.00")
    (move,) = BudgetMove.objects.all()
    assert (move.kind, move.amount, move.from_envelope, move.to_campaign) == ("allocate", D(6000), envelope, campaign)
    assert (move.actor, move.reason) == (marketing_ops, "Q2 plan")


def test_a_refused_allocation_says_by_how_much_it_exceeds_the_envelope(envelope):
    first, second = CampaignFactory(envelope=envelope), CampaignFactory(envelope=envelope)
    plan(first, "7000.00")
    with pytest.raises(ApplicationError) as refused:
        plan(second, "3500.50")
    assert refused.value.field == "planned_amount"
    assert "has 3000.00 left" in refused.value.message
    assert "exceed it by 500.50" in refused.value.message
    second.refresh_from_db()
    assert second.planned_amount == 0
    assert BudgetMove.objects.count() == 1


def test_the_whole_envelope_may_be_planned_but_not_a_cent_more(envelope):
    campaign = CampaignFactory(envelope=envelope)
    plan(campaign, "10000.00")
    with pytest.raises(ApplicationError, match="exceed it by 0.01"):
        plan(campaign, "10000.01")


def test_lowering_a_plan_releases_the_difference_to_the_envelope(envelope):
    campaign = CampaignFactory(envelope=envelope)
    plan(campaign, "8000.00")
    plan(campaign, "5000.00", reason="Trimmed")
    release = BudgetMove.objects.get(kind=BudgetMove.Kind.RELEASE)
    assert (release.amount, release.from_campaign, release.to_envelope) == (D(3000), campaign, envelope)
    plan(CampaignFactory(envelope=envelope), "5000.00")  # the released money is free again


def test_moving_money_between_campaigns_is_a_recorded_transfer(envelope, marketing_ops):
    source, target = CampaignFactory(envelope=envelope), CampaignFactory(envelope=envelope)
    plan(source, "4000.00")
    move = budget.budget_transfer(
        from_campaign_id=source.pk, to_campaign_id=target.pk, amount="1500.00", actor=marketing_ops, reason="Better CPL"
    )
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.planned_amount, target.planned_amount) == (D(2500), D(1500))
    assert (move.kind, move.actor, move.reason) == (BudgetMove.Kind.TRANSFER, marketing_ops, "Better CPL")


def test_a_transfer_into_a_full_envelope_is_refused(envelope):
    full = EnvelopeFactory(amount=D("1000.00"))
    source, target = CampaignFactory(envelope=envelope), CampaignFactory(envelope=full)
    plan(source, "4000.00")
    plan(target, "900.00")
    with pytest.raises(ApplicationError, match="exceed it by 400.00"):
        budget.budget_transfer(
            from_campaign_id=source.pk, to_campaign_id=target.pk, amount="500.00", actor=None, reason="Move"
        )


def test_a_campaign_cannot_give_more_than_it_has_planned(envelope):
    source, target = CampaignFactory(envelope=envelope), CampaignFactory(envelope=envelope)
    plan(source, "100.00")
    with pytest.raises(ApplicationError, match="100.00 planned; 150.00 is 50.00 more"):
        budget.budget_transfer(
            from_campaign_id=source.pk, to_campaign_id=target.pk, amount="150.00", actor=None, reason="Move"
        )


def test_a_move_needs_a_reason(envelope):
    with pytest.raises(ApplicationError) as refused:
        plan(CampaignFactory(envelope=envelope), "100.00", reason="  ")
    assert refused.value.field == "reason"


def test_moving_money_between_envelopes_needs_it_unplanned(envelope, marketing_ops):
    other = EnvelopeFactory(amount=D(0), channel=Channel.EVENTS)
    plan(CampaignFactory(envelope=envelope), "9000.00")
    with pytest.raises(ApplicationError, match="has 1000.00 not planned; 1200.00 is 200.00 more"):
        budget.envelope_transfer(
            from_envelope_id=envelope.pk, to_envelope_id=other.pk, amount="1200.00", actor=None, reason="Events"
        )
    budget.envelope_transfer(
        from_envelope_id=envelope.pk, to_envelope_id=other.pk, amount="1000.00", actor=marketing_ops, reason="Events"
    )
    envelope.refresh_from_db()
    other.refresh_from_db()
    assert (envelope.amount, other.amount) == (D(9000), D(1000))
    assert BudgetMove.objects.filter(kind=BudgetMove.Kind.ENVELOPE_TRANSFER, actor=marketing_ops).count() == 1


def test_an_envelope_cannot_shrink_below_what_is_planned_from_it(envelope):
    plan(CampaignFactory(envelope=envelope), "6000.00")
    with pytest.raises(ApplicationError, match="planned 6000.00; 5000.00 would be 1000.00 short"):
        budget.envelope_change(envelope_id=envelope.pk, amount="5000.00", actor=None, reason="Cut")
    budget.envelope_change(envelope_id=envelope.pk, amount="7000.00", actor=None, reason="Cut")
    envelope.refresh_from_db()
    assert envelope.amount == D(7000)
    assert BudgetMove.objects.filter(kind=BudgetMove.Kind.ENVELOPE_CHANGE, from_envelope=envelope).get().amount == 3000


def test_a_campaign_draws_only_from_an_envelope_of_its_channel_and_quarter(envelope, marketing_ops):
    fields = dict(name="Expo", owner=marketing_ops, start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 4, 30))
    with pytest.raises(ApplicationError) as refused:
        budget.campaign_create(actor=None, channel=Channel.EVENTS, envelope=envelope, **fields)
    assert refused.value.field == "envelope"
    with pytest.raises(ApplicationError, match="2026-Q3"):
        budget.campaign_create(
            actor=None,
            channel=Channel.PAID_SEARCH,
            envelope=envelope,
            **{**fields, "start_date": dt.date(2026, 7, 1), "end_date": dt.date(2026, 7, 30)},
        )
    assert not Campaign.objects.exists()


def test_a_new_campaign_takes_its_quarter_from_its_start_and_its_plan_from_the_envelope(envelope, marketing_ops):
    campaign = budget.campaign_create(
        actor=marketing_ops,
        name="Search",
        channel=Channel.PAID_SEARCH,
        owner=marketing_ops,
        envelope=envelope,
        start_date=dt.date(2026, 5, 1),
        end_date=dt.date(2026, 6, 30),
        planned_amount="2500.00",
    )
    assert (campaign.fiscal_quarter, campaign.planned_amount) == ("2026-Q2", D(2500))
    assert BudgetMove.objects.get().reason == "Initial plan"


def test_a_campaign_that_ends_before_it_starts_is_refused_naming_the_field(envelope, marketing_ops):
    with pytest.raises(ApplicationError) as refused:
        budget.campaign_create(
            actor=None,
            name="Backwards",
            channel=Channel.PAID_SEARCH,
            owner=marketing_ops,
            envelope=envelope,
            start_date=dt.date(2026, 5, 2),
            end_date=dt.date(2026, 5, 1),
        )
    assert refused.value.field == "end_date"
    assert not Campaign.objects.exists()


def test_cancelling_releases_the_plan_not_yet_spoken_for(campaign):
    post(campaign, "300.00")
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.CANCELLED, actor=None)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.planned_amount) == ("cancelled", D(300))
    assert BudgetMove.objects.get(kind=BudgetMove.Kind.RELEASE).amount == D(700)


def test_a_completed_campaign_does_not_come_back(campaign):
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.COMPLETED, actor=None)
    with pytest.raises(ApplicationError, match="This campaign is Completed, so it cannot become Active"):
        budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.ACTIVE, actor=None)
