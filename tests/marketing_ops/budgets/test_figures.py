"""A campaign's figures and its projection, on examples computed by hand."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.marketing_ops.budgets.models import BudgetAlert
from apps.marketing_ops.budgets.selectors import BudgetFigures, BudgetStatus, money, percent, projection
from tests.marketing_ops.budgets.conftest import D

APRIL_1, APRIL_30 = dt.date(2026, 4, 1), dt.date(2026, 4, 30)


def figures(planned, committed, actual, today, **thresholds):
    return BudgetFigures(
        campaign_id=1,
        planned=D(planned),
        committed=D(committed),
        actual=D(actual),
        start=APRIL_1,
        end=APRIL_30,
        today=today,
        **thresholds,
    )


@pytest.mark.parametrize(
    ("committed", "actual", "today", "expected"),
    [
        # Day 10 of 30, 1,000 invoiced and nothing on order: 100 a day for 30 days.
        ("0", "1000", dt.date(2026, 4, 10), "3000"),
        # The same run rate, but 2,500 already on order: at least what is spoken for.
        ("2500", "1000", dt.date(2026, 4, 10), "3500"),
        # An order placed on day 1 and nothing invoiced yet: the order is the projection.
        ("9000", "0", dt.date(2026, 4, 1), "9000"),
        # Day 1 of 30 with 50 invoiced: 50 × 30.
        ("0", "50", dt.date(2026, 4, 1), "1500"),
        # Day 20, 1,200 invoiced: 60 a day, 1,800 by the end.
        ("100", "1200", dt.date(2026, 4, 20), "1800"),
        # Before the start and after the end nothing is extrapolated.
        ("300", "200", dt.date(2026, 3, 20), "500"),
        ("300", "200", dt.date(2026, 5, 2), "500"),
        # The last day: the run rate is the total.
        ("0", "1234.56", dt.date(2026, 4, 30), "1234.56"),
    ],
)
def test_projection_on_hand_computed_examples(committed, actual, today, expected):
    assert projection(committed=D(committed), actual=D(actual), start=APRIL_1, end=APRIL_30, today=today) == D(expected)


def test_the_figures_of_a_campaign_on_day_ten():
    result = figures("5000", "1500", "1000", dt.date(2026, 4, 10))
    assert result.available == D(2500)
    assert result.used_percent == D(50)
    assert (result.days_elapsed, result.days_left) == (10, 20)
    assert result.burn_rate == D(100)
    assert result.projected == D(3000)
    assert result.status == BudgetStatus.ON_TRACK


def test_a_burn_rate_is_shown_to_the_cent_and_percentages_to_a_tenth():
    result = figures("3000", "0", "1000", dt.date(2026, 4, 3))
    assert result.burn_rate == D(1000) / 3
    assert result.shown()["burn_rate_per_day"] == "333.33"
    assert result.shown()["used_percent"] == "33.3"
    assert money(D("2.345")) == D("2.35") and money(D("-2.345")) == D("-2.35")
    assert percent(D("66.65")) == D("66.7")


@pytest.mark.parametrize(
    ("planned", "committed", "actual", "today", "status", "past"),
    [
        ("1000", "0", "790", dt.date(2026, 4, 30), BudgetStatus.ON_TRACK, set()),
        ("1000", "300", "500", dt.date(2026, 4, 30), BudgetStatus.AT_RISK, {"warn"}),
        ("1000", "500", "500", dt.date(2026, 4, 30), BudgetStatus.OVER, {"warn", "over"}),
        # 400 invoiced by day 10 of 30 projects 1,200: 20 % over a plan of 1,000.
        ("1000", "0", "400", dt.date(2026, 4, 10), BudgetStatus.AT_RISK, {"projected"}),
        # 110.00 % projected is not more than 10 % over; 110.01 % is.
        ("1000", "1100", "0", dt.date(2026, 4, 10), BudgetStatus.OVER, {"warn", "over"}),
        ("1000", "0", "366.67", dt.date(2026, 4, 10), BudgetStatus.AT_RISK, {"projected"}),
        ("1000", "0", "366.66", dt.date(2026, 4, 10), BudgetStatus.ON_TRACK, set()),
        ("0", "0", "10", dt.date(2026, 4, 10), BudgetStatus.OVER, {"warn", "over", "projected"}),
        ("0", "0", "0", dt.date(2026, 4, 10), BudgetStatus.ON_TRACK, set()),
    ],
)
def test_status_and_thresholds(planned, committed, actual, today, status, past):
    result = figures(planned, committed, actual, today)
    assert result.status == status
    assert {threshold for threshold in BudgetAlert.Threshold.values if result.passes(threshold)} == past


def test_thresholds_are_the_campaigns_own():
    result = figures("1000", "0", "600", dt.date(2026, 4, 30), warn_at_percent=50, over_at_percent=60)
    assert result.passes("warn") and result.passes("over")
    assert not figures("1000", "0", "400", dt.date(2026, 4, 10), projected_over_percent=25).passes("projected")


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    planned=amounts,
    committed=amounts,
    actual=amounts,
    day=st.integers(min_value=-5, max_value=40),
    warn=st.integers(min_value=1, max_value=100),
    over=st.integers(min_value=1, max_value=200),
    projected_over=st.integers(min_value=0, max_value=100),
    finished=st.booleans(),
)
def test_the_status_is_what_the_thresholds_say(planned, committed, actual, day, warn, over, projected_over, finished):
    """`status` is written out for speed; it must answer as the alert thresholds (`passes`) and the plan do."""
    result = BudgetFigures(
        campaign_id=1, planned=planned, committed=committed, actual=actual, start=APRIL_1, end=APRIL_30,
        today=APRIL_1 + dt.timedelta(days=day), warn_at_percent=warn, over_at_percent=over,
        projected_over_percent=projected_over, finished=finished,
    )  # fmt: skip
    if finished:
        expected = BudgetStatus.OVER if result.over_plan else BudgetStatus.ON_TRACK
    elif result.passes(BudgetAlert.Threshold.OVER):
        expected = BudgetStatus.OVER
    elif result.passes(BudgetAlert.Threshold.WARN) or result.passes(BudgetAlert.Threshold.PROJECTED):
        expected = BudgetStatus.AT_RISK
    else:
        expected = BudgetStatus.ON_TRACK
    assert result.status == expected
