"""Coverage alerts and people's choices: the manager's weekly alert now, in their digest, or not at all."""

import datetime as dt

import pytest

from apps.core.models import NotificationKind
from apps.sales_ops.coverage.services.alerts import coverage_alerts_send
from tests.notifications import assert_routed, choose

COVERAGE = NotificationKind.COVERAGE_ALERTS
DAY = dt.date(2026, 11, 26)  # week 8 of 2026-Q4


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_managers_coverage_alert_follows_their_choice(world, manager, delivery):
    manager.email = "mgr@example.com"
    manager.save()
    choose(manager, COVERAGE, delivery)
    coverage_alerts_send(today=DAY)
    assert_routed(manager, delivery, kind=COVERAGE, day=DAY)
