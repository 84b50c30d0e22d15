"""Content reminders and people's choices: the owner's review reminder now, in their digest, or not at all."""

import datetime as dt

import pytest
import time_machine

from apps.core.factories import UserFactory
from apps.core.models import NotificationKind, Role
from apps.marketing_ops.content.factories import published_asset
from apps.marketing_ops.content.services.sweep import content_sweep
from tests.notifications import assert_routed, choose

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CONTENT = NotificationKind.CONTENT_REMINDERS


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_owners_review_reminder_follows_their_choice(db, delivery):
    owner = UserFactory(username="olga", email="olga@example.com", roles=[Role.MARKETING_OPS])
    choose(owner, CONTENT, delivery)
    published_asset(owner=owner, review_by=T0.date() + dt.timedelta(days=14))
    content_sweep(today=T0.date())
    assert_routed(owner, delivery, kind=CONTENT, day=T0.date())
