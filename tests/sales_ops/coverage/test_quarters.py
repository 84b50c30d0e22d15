"""Fiscal quarters with a fiscal year that does not start in January, and coverage on its boundary."""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.core.quarters import quarter_bounds, quarter_of, quarter_shift, recent_quarters
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.coverage.selectors import coverage_report

from .conftest import deal


def test_calendar_quarters_by_default(settings):
    settings.FISCAL_YEAR_START_MONTH = 1
    assert quarter_of(dt.date(2026, 4, 1)) == "2026-Q2"
    assert quarter_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_a_february_fiscal_year_is_named_by_the_year_it_ends_in(settings):
    settings.FISCAL_YEAR_START_MONTH = 2
    assert quarter_of(dt.date(2026, 1, 31)) == "2026-Q4"
    assert quarter_of(dt.date(2026, 2, 1)) == "2027-Q1"
    assert quarter_bounds("2027-Q1") == (dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert quarter_bounds("2026-Q4") == (dt.date(2025, 11, 1), dt.date(2026, 1, 31))
    assert quarter_shift("2027-Q1", -1) == "2026-Q4"


@pytest.mark.parametrize("start", range(1, 13))
def test_every_day_lies_in_the_bounds_of_its_quarter(settings, start):
    settings.FISCAL_YEAR_START_MONTH = start
    day = dt.date(2025, 1, 1)
    while day < dt.date(2027, 1, 1):
        first, last = quarter_bounds(quarter_of(day))
        assert first <= day <= last, (start, day)
        day += dt.timedelta(days=1)


def test_recent_quarters_step_across_the_fiscal_year(settings):
    settings.FISCAL_YEAR_START_MONTH = 7
    assert recent_quarters(dt.date(2026, 7, 1), before=1, after=1) == ["2026-Q4", "2027-Q1", "2027-Q2"]


def test_coverage_counts_a_deal_in_the_fiscal_quarter_of_its_close_date(db, settings, frozen, rep, sales_ops):
    settings.FISCAL_YEAR_START_MONTH = 2
    settings.COMPANY_CURRENCY = "USD"
    Quota.objects.create(rep=rep, quarter="2027-Q1", amount=D(100))
    deal(rep, 40, close=dt.date(2026, 1, 31))  # the last day of FY2026: not this quarter
    deal(rep, 70, close=dt.date(2026, 2, 1))  # the first day of FY2027
    report = coverage_report(user=sales_ops, quarter="2027-Q1", today=dt.date(2026, 1, 15))
    assert report.reps[0].figures.open_pipeline == D(70)
