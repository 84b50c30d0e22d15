"""Budget alerts and people's choices: each recipient of a crossing's e-mail now, in their digest, or not at all."""

import pytest
import time_machine

from apps.core.factories import UserFactory
from apps.core.models import EmailMessage, NotificationKind, Role
from apps.marketing_ops.budgets.services.watch import budget_watch
from tests.marketing_ops.budgets.conftest import post
from tests.notifications import assert_routed, choose

BUDGET = NotificationKind.BUDGET_ALERTS


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-04-30 08:00Z", tick=False):
        yield


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_owners_budget_alert_follows_their_choice(campaign, delivery):
    choose(campaign.owner, BUDGET, delivery)
    post(campaign, "800.00")
    budget_watch(today=campaign.end_date)
    assert_routed(campaign.owner, delivery, kind=BUDGET, day=campaign.end_date)


def test_a_colleague_still_gets_the_alert_the_owner_turned_off(campaign):
    colleague = UserFactory(username="mia", email="mia@example.com", roles=[Role.MARKETING_OPS])
    choose(campaign.owner, BUDGET, "off")
    post(campaign, "800.00")
    budget_watch(today=campaign.end_date)
    (message,) = EmailMessage.objects.all()
    assert message.to == [colleague.email]
    assert message.withheld == [{"to": campaign.owner.email, "user": campaign.owner.pk, "delivery": "off"}]
