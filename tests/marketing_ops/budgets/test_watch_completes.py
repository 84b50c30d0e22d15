"""The watch completes an active campaign once its end date has passed: by the system, with the reason."""

import datetime as dt

from apps.marketing_ops.budgets.factories import CampaignFactory
from apps.marketing_ops.budgets.models import Campaign, CampaignStatus
from apps.marketing_ops.budgets.services.watch import budget_watch
from tests.marketing_ops.budgets.conftest import post

END = dt.date(2026, 4, 30)


def status(campaign) -> str:
    return Campaign.objects.get(pk=campaign.pk).status


def test_the_day_after_its_end_the_watch_completes_it_as_the_system_with_the_reason(campaign):
    budget_watch(today=END + dt.timedelta(days=1))
    assert status(campaign) == CampaignStatus.COMPLETED
    move = campaign.history.order_by("-history_id").first()
    assert (move.status, move.history_user, move.history_change_reason) == (
        CampaignStatus.COMPLETED,
        None,
        "Ended on 2026-04-30: completed by the budget watch",
    )


def test_on_its_last_day_it_stays_active(campaign):
    budget_watch(today=END)
    assert status(campaign) == CampaignStatus.ACTIVE


def test_planned_and_cancelled_campaigns_are_left_as_they_are(db):
    planned = CampaignFactory(status=CampaignStatus.PLANNED)
    cancelled = CampaignFactory(status=CampaignStatus.CANCELLED)
    budget_watch(today=dt.date(2026, 6, 1))
    assert (status(planned), status(cancelled)) == (CampaignStatus.PLANNED, CampaignStatus.CANCELLED)


def test_a_completed_campaign_still_takes_the_invoice_of_its_order(campaign):
    budget_watch(today=dt.date(2026, 5, 2))
    entry = post(campaign, "300.00", day=dt.date(2026, 5, 2))
    assert entry.campaign.status == CampaignStatus.COMPLETED
