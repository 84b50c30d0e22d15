"""Coverage alerts: on the quarter's first working day and weekly after, once per recipient and period."""

import datetime as dt

import pytest

from apps.core.factories import UserFactory
from apps.core.models import EmailMessage, Role
from apps.sales_ops.coverage.services.alerts import alert_period, coverage_alerts_send, first_working_day


def test_first_working_day_skips_the_weekend():
    assert first_working_day("2026-Q4") == dt.date(2026, 10, 1)  # a Thursday
    assert first_working_day("2027-Q1") == dt.date(2027, 1, 1)  # a Friday
    assert first_working_day("2026-Q3") == dt.date(2026, 7, 1)
    assert first_working_day("2025-Q2") == dt.date(2025, 4, 1)


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (dt.date(2026, 10, 1), ("2026-Q4", "start")),
        (dt.date(2026, 10, 8), ("2026-Q4", "week-1")),
        (dt.date(2026, 11, 26), ("2026-Q4", "week-8")),
        (dt.date(2026, 10, 2), None),
    ],
)
def test_alert_days(day, period):
    assert alert_period(day) == period


@pytest.fixture
def marketing(db):
    return UserFactory(username="mia", roles=[Role.MARKETING_OPS])


def test_each_manager_and_marketing_get_one_email_per_period(world, manager, marketing):
    day = dt.date(2026, 11, 26)  # week 8 of 2026-Q4
    assert coverage_alerts_send(today=day) == 2
    assert coverage_alerts_send(today=day) == 2  # the same rows: no second e-mail
    rows = EmailMessage.objects.order_by("idempotency_key")
    assert [r.idempotency_key for r in rows] == [
        f"coverage-manager:2026-Q4:week-8:{manager.pk}",
        f"coverage-marketing:2026-Q4:week-8:{marketing.pk}",
    ]
    listed = [row["rep"] for row in rows[0].context["rows"]]
    assert listed == ["Ana", "Ben"]  # below the required coverage; cai and dee are covered


def test_next_week_is_a_new_period(world, manager, marketing):
    coverage_alerts_send(today=dt.date(2026, 11, 26))
    coverage_alerts_send(today=dt.date(2026, 12, 3))
    assert EmailMessage.objects.filter(to=[manager.email]).count() == 2


def test_no_email_on_other_days(world, manager, marketing):
    assert coverage_alerts_send(today=dt.date(2026, 11, 27)) == 0
    assert not EmailMessage.objects.exists()
