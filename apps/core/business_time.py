"""Business time: add working hours or days to an instant, and measure working time between instants.

Every SLA and reminder counts in this module. A `Schedule` says when a team works in its local wall-clock
time; the functions here turn that into real (UTC) intervals, day by day. A working window is the set of
real instants whose local wall-clock time falls inside it, so a window that spans a daylight-saving change
is an hour shorter or longer, exactly as the people in it experience it.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
UTC = dt.UTC
# How far ahead (in days) to look for working time before deciding the schedule never works.
SEARCH_HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class Schedule:
    """Weekly working windows (Monday first) in minutes from local midnight, end exclusive, plus holidays."""

    tz: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self):
        if len(self.weekly) != 7:
            raise ValueError("A schedule needs windows for each of the 7 weekdays (empty for a day off).")
        for day in self.weekly:
            for start, end in day:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise ValueError(f"Bad working window {start}-{end}.")
        if not any(self.weekly):
            raise ValueError("A schedule must have some working time.")


def always(tz: str | ZoneInfo = "UTC") -> Schedule:
    """Around the clock, every day: for agreements that count in plain elapsed time (24/7)."""
    return Schedule(tz=ZoneInfo(str(tz)), weekly=(((0, MINUTES_PER_DAY),),) * 7)


def add_working_time(schedule: Schedule, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The instant at which `duration` of working time after `start` has been used up."""
    _require_aware(start)
    if duration < dt.timedelta(0):
        raise ValueError("Cannot add negative working time.")
    if duration == dt.timedelta(0):
        return start
    remaining = duration
    for begin, end in _intervals_from(schedule, start):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise ValueError("The schedule has no working time within the search horizon.")


def working_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from `start` to `end` (negative when `end` is earlier)."""
    _require_aware(start)
    _require_aware(end)
    # In UTC: two datetimes of one zone compare by wall clock, so inside the repeated autumn hour the later
    # instant (fold=1) would read as the earlier one.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -working_time_between(schedule, end, start)
    total = dt.timedelta(0)
    for begin, finish in _intervals_from(schedule, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def next_working_instant(schedule: Schedule, instant: dt.datetime) -> dt.datetime:
    """`instant` itself if it is working time, else the start of the next working window."""
    _require_aware(instant)
    for begin, _end in _intervals_from(schedule, instant):
        return begin
    raise ValueError("The schedule has no working time within the search horizon.")


def add_working_days(schedule: Schedule, start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day, `days` working days later (holidays and days off skipped).

    `start` is first moved to the next working instant; when the target day's windows do not contain that
    time of day, the result is the nearest working instant on that day (the next window, or the day's end).
    """
    if days < 0:
        raise ValueError("Cannot add negative working days.")
    begin = next_working_instant(schedule, start)
    if days == 0:
        return begin
    local = begin.astimezone(schedule.tz)
    day = local.date()
    for _ in range(days):
        day = _next_working_day(schedule, day)
    wall = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    intervals = _day_intervals(schedule, day)
    target = _wall_to_instant(schedule.tz, wall)
    for a, b in intervals:
        if target < b:
            return max(a, target)
    return intervals[-1][1]


def is_working_time(schedule: Schedule, instant: dt.datetime) -> bool:
    _require_aware(instant)
    day = instant.astimezone(schedule.tz).date()
    return any(a <= instant < b for a, b in _day_intervals(schedule, day))


# --- internals ----------------------------------------------------------------------------------


def _require_aware(value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Business time needs time-zone-aware datetimes.")


def _intervals_from(schedule: Schedule, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Working intervals (UTC) in time order, the first clipped to begin at `start`."""
    start = start.astimezone(UTC)
    day = start.astimezone(schedule.tz).date()
    for _ in range(SEARCH_HORIZON_DAYS):
        for a, b in _day_intervals(schedule, day):
            if b > start:
                yield max(a, start), b
        day += dt.timedelta(days=1)


def _next_working_day(schedule: Schedule, day: dt.date) -> dt.date:
    for _ in range(SEARCH_HORIZON_DAYS):
        day += dt.timedelta(days=1)
        if _day_intervals(schedule, day):
            return day
    raise ValueError("The schedule has no working day within the search horizon.")


@lru_cache(maxsize=8192)
def _day_intervals(schedule: Schedule, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The real (UTC) intervals whose local wall-clock time lies in the day's working windows."""
    if day in schedule.holidays:
        return ()
    windows = schedule.weekly[day.weekday()]
    if not windows:
        return ()
    midnight = dt.datetime.combine(day, dt.time())
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for seg_start, seg_end, offset in _offset_segments(schedule.tz, day):
        for w_start, w_end in windows:
            a = max(seg_start, midnight + dt.timedelta(minutes=w_start) - offset)
            b = min(seg_end, midnight + dt.timedelta(minutes=w_end) - offset)
            if a < b:
                out.append((a, b))
    out.sort()
    merged: list[list[dt.datetime]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a.replace(tzinfo=UTC), b.replace(tzinfo=UTC)) for a, b in merged)


def _offset_at(tz: ZoneInfo, naive_utc: dt.datetime) -> dt.timedelta:
    return naive_utc.replace(tzinfo=UTC).astimezone(tz).utcoffset()


@lru_cache(maxsize=8192)
def _offset_segments(tz: ZoneInfo, day: dt.date) -> list[tuple[dt.datetime, dt.datetime, dt.timedelta]]:
    """Stretches of naive-UTC time around `day` during which the zone's UTC offset is constant.

    Covers the day's wall-clock span with a day's margin either side; offset changes are located to the
    second by bisection. Real zones never change offset twice within three days.
    """
    lo = dt.datetime.combine(day - dt.timedelta(days=1), dt.time())
    hi = dt.datetime.combine(day + dt.timedelta(days=2), dt.time())
    off_lo, off_hi = _offset_at(tz, lo), _offset_at(tz, hi)
    if off_lo == off_hi:
        return [(lo, hi, off_lo)]
    a, b = lo, hi
    while b - a > dt.timedelta(seconds=1):
        mid = a + (b - a) / 2
        mid = mid.replace(microsecond=0)
        if _offset_at(tz, mid) == off_lo:
            a = mid
        else:
            b = mid
    return [(lo, b, off_lo), (b, hi, off_hi)]


def _wall_to_instant(tz: ZoneInfo, wall: dt.datetime) -> dt.datetime:
    """The first real instant whose local wall-clock time is at or after `wall`."""
    for seg_start, seg_end, offset in _offset_segments(tz, wall.date()):
        candidate = wall - offset
        if seg_start <= candidate < seg_end:
            return candidate.replace(tzinfo=UTC)
        if candidate < seg_start:  # `wall` fell in a gap skipped by a spring-forward change
            return seg_start.replace(tzinfo=UTC)
    raise ValueError(f"Cannot place {wall} in {tz}.")
