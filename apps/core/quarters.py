"""Fiscal quarters as smops names them: '2026-Q2', the fiscal year's number and the quarter within it.

The fiscal year starts in the month `settings.FISCAL_YEAR_START_MONTH` (1, January, by default: fiscal quarters
are then calendar quarters). A fiscal year is named by the calendar year it ends in, as most companies do: with a
February start, FY2027 runs from 1 February 2026 to 31 January 2027, and '2027-Q1' is February to April 2026.
Every quarter in the portal (budgets, deal desk reports, quotas, coverage) is read through this module.
"""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError

_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def fiscal_start_month() -> int:
    month = int(getattr(settings, "FISCAL_YEAR_START_MONTH", 1))
    if not 1 <= month <= 12:
        raise ValueError(f"FISCAL_YEAR_START_MONTH must be 1 to 12, not {month}.")
    return month


def quarter_of(day: dt.date) -> str:
    """The fiscal quarter `day` falls in."""
    start = fiscal_start_month()
    offset = (day.month - start) % 12  # months since the fiscal year began
    fiscal_year = day.year + (1 if start != 1 and day.month >= start else 0)
    return f"{fiscal_year}-Q{offset // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal quarter."""
    year, number = _parse(quarter)
    start = fiscal_start_month()
    first_year = year - (1 if start != 1 else 0)  # the calendar year the fiscal year starts in
    months = first_year * 12 + (start - 1) + 3 * (number - 1)
    first = dt.date(months // 12, months % 12 + 1, 1)
    after = dt.date((months + 3) // 12, (months + 3) % 12 + 1, 1)
    return first, after - dt.timedelta(days=1)


def quarter_shift(quarter: str, quarters: int) -> str:
    """The quarter `quarters` after (negative: before) `quarter`."""
    year, number = _parse(quarter)
    index = year * 4 + number - 1 + quarters
    return f"{index // 4}-Q{index % 4 + 1}"


def validate_quarter(value: str) -> None:
    if not _QUARTER_RE.match(value or ""):
        raise ValidationError(f"'{value}' is not a quarter such as 2026-Q2.", code="quarter")


def _parse(quarter: str) -> tuple[int, int]:
    match = _QUARTER_RE.match(quarter or "")
    if not match:
        raise ValidationError(f"'{quarter}' is not a quarter such as 2026-Q2.", code="quarter")
    return int(match[1]), int(match[2])


def recent_quarters(today: dt.date, *, before: int = 4, after: int = 2) -> list[str]:
    """Quarters around today's, oldest first: what the report pages offer to pick from."""
    this = quarter_of(today)
    return [quarter_shift(this, i) for i in range(-before, after + 1)]
