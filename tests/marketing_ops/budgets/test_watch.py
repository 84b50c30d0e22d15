"""The watchman: an e-mail the first time a campaign crosses each threshold, once per crossing."""

import datetime as dt

import pytest
import time_machine

from apps.core.factories import UserFactory
from apps.core.models import EmailMessage, Role
from apps.core.tasks import outbox_flush_task
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import BudgetAlert, CampaignStatus
from apps.marketing_ops.budgets.services import budget
from apps.marketing_ops.budgets.services.watch import budget_watch
from tests.concurrency import run_at_once
from tests.marketing_ops.budgets.conftest import D, order, post

END = dt.date(2026, 4, 30)  # the campaign's last day: no extrapolation, so only the used share counts


def watch(today=END):
    return budget_watch(today=today)


def sent(threshold=None) -> list[EmailMessage]:
    outbox_flush_task()
    messages = EmailMessage.objects.order_by("id")
    if threshold is not None:
        messages = messages.filter(idempotency_key__contains=f":{threshold}:")
    return list(messages)


def test_crossing_80_percent_tells_the_owner_and_marketing_ops_once(campaign, mailoutbox):
    colleague = UserFactory(username="mia", email="mia@example.com", roles=[Role.MARKETING_OPS])
    post(campaign, "800.00")
    assert watch() == 1
    watch()
    (message,) = sent()
    assert message.idempotency_key == f"budget-alert:{campaign.pk}:warn:1"
    assert sorted(message.to) == sorted([campaign.owner.email, colleague.email])
    assert message.subject == "Budget warning: Spring search"
    assert "has used 80.0 % of its plan (threshold 80 %)" in message.body_text
    assert "/marketing/budget/?quarter=2026-Q2#campaign-" in message.body_text
    assert [m.subject for m in mailoutbox] == ["Budget warning: Spring search"]


def test_each_threshold_is_told_on_its_own_crossing(campaign):
    post(campaign, "500.00")
    watch()
    assert sent() == []
    order(campaign, "350.00")
    watch()
    post(campaign, "200.00")
    watch()
    assert [m.idempotency_key.split(":")[2] for m in sent()] == ["warn", "over"]
    assert sent("over")[0].subject == "Budget used up: Spring search"


def test_a_projected_overspend_of_more_than_ten_percent_is_told(campaign):
    post(campaign, "400.00")  # by day 10 of 30: 1,200 projected against 1,000 planned
    watch(today=dt.date(2026, 4, 10))
    (message,) = sent()
    assert message.idempotency_key.endswith(":projected:1")
    assert "projected to spend 1200.00 USD by 30 Apr 2026, more than 10 % over its plan of 1000.00" in (
        message.body_text
    )


def test_after_a_drop_a_new_crossing_is_told_again(campaign):
    post(campaign, "850.00")
    watch()
    post(campaign, "-200.00", is_credit_note=True)  # back to 65 %
    watch()
    assert BudgetAlert.objects.get().cleared_at is not None
    watch()
    post(campaign, "300.00")  # 95 %: the second crossing
    watch()
    watch()
    assert [m.idempotency_key for m in sent()] == [
        f"budget-alert:{campaign.pk}:warn:1",
        f"budget-alert:{campaign.pk}:warn:2",
    ]


def test_a_bigger_plan_clears_a_crossing_and_a_smaller_one_makes_it(campaign, envelope):
    post(campaign, "850.00")
    watch()
    budget.campaign_plan_set(campaign_id=campaign.pk, amount="2000.00", actor=None, reason="More")
    watch()
    budget.campaign_plan_set(campaign_id=campaign.pk, amount="900.00", actor=None, reason="Less")
    watch()
    assert [(a.threshold, a.crossing, a.cleared_at is None) for a in BudgetAlert.objects.order_by("id")] == [
        ("warn", 1, False),
        ("warn", 2, True),
    ]


def test_only_active_campaigns_are_watched(campaign):
    post(campaign, "900.00")
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.COMPLETED, actor=None)
    assert watch() == 0
    assert sent() == []


def test_the_thresholds_are_editable_per_campaign(campaign):
    budget.campaign_update(campaign_id=campaign.pk, data={"warn_at_percent": 50})
    post(campaign, "600.00")
    watch()
    assert [m.idempotency_key.split(":")[2] for m in sent()] == ["warn"]


def test_the_watch_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries, envelope, marketing_ops):
    for _ in range(12):
        campaign = CampaignFactory(envelope=envelope, owner=marketing_ops, planned_amount=D(100))
        post(campaign, "90.00")
    # batch, figures (2), alerts (2), ops, e-mails (3: the recipients' choices, written, read back), insert
    with django_assert_max_num_queries(13):
        assert budget_watch(today=END, batch_size=50) == 12
    assert BudgetAlert.objects.count() == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_watches_at_once_tell_each_crossing_once(on_postgres):
    owner = UserFactory(username="owner", email="owner@example.com", roles=[Role.MARKETING_OPS])
    envelope = EnvelopeFactory(amount=D(100000))
    campaigns = [CampaignFactory(envelope=envelope, owner=owner, planned_amount=D(1000)) for _ in range(30)]
    for campaign in campaigns:
        post(campaign, "1000.00")  # 100 %: warn and over
    results = run_at_once(lambda: budget_watch(today=END, batch_size=4), times=3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert BudgetAlert.objects.count() == 60
    assert EmailMessage.objects.filter(idempotency_key__startswith="budget-alert:").count() == 60
    results = run_at_once(lambda: budget_watch(today=END, campaign_ids=[campaigns[0].pk]), times=2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert BudgetAlert.objects.count() == 60


@time_machine.travel(dt.datetime(2026, 4, 30, 12, tzinfo=dt.UTC), tick=False)  # its last day: still active
def test_the_hourly_task_watches_every_active_campaign(campaign, envelope):
    from apps.marketing_ops.budgets.tasks import budget_watch_task

    CampaignFactory(envelope=envelope, status=CampaignStatus.PLANNED)
    post(campaign, "1000.00")
    assert budget_watch_task() == 1
    assert budget_watch_task(campaign.pk) == 1
    assert BudgetAlert.objects.filter(campaign=campaign).count() == 2
