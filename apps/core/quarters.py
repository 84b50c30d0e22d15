"""Fiscal quarters as smops names them: '2026-Q2'. Fiscal quarters are calendar quarters."""

import datetime as dt
import re

from django.core.exceptions import ValidationError

_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    year, number = _parse(quarter)
    first = dt.date(year, 3 * (number - 1) + 1, 1)
    after = dt.date(year + (number == 4), (3 * number) % 12 + 1, 1)
    return first, after - dt.timedelta(days=1)


def validate_quarter(value: str) -> None:
    if not _QUARTER_RE.match(value or ""):
        raise ValidationError(f"'{value}' is not a quarter such as 2026-Q2.", code="quarter")


def _parse(quarter: str) -> tuple[int, int]:
    match = _QUARTER_RE.match(quarter or "")
    if not match:
        raise ValidationError(f"'{quarter}' is not a quarter such as 2026-Q2.", code="quarter")
    return int(match[1]), int(match[2])


def recent_quarters(today: dt.date, *, before: int = 4, after: int = 2) -> list[str]:
    """Quarters around today's, oldest first: what the budget page offers to pick from."""
    year, number = _parse(quarter_of(today))
    index = year * 4 + number - 1
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - before, index + after + 1)]
