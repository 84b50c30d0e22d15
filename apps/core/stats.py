"""Figures the report pages of more than one capability share: a nearest-rank percentile of durations, and a
duration as the pages and e-mails write it."""

import datetime as dt
import math


def percentile(values: list[dt.timedelta], percent: int) -> dt.timedelta | None:
    """The nearest-rank percentile (a value that occurred; the median of an even count is the lower middle)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def hours_minutes(delta: dt.timedelta) -> str:
    """'2 h 05 min', as the SLA e-mails write it (whole minutes, rounded down)."""
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
