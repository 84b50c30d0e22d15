"""Business-time arithmetic: concrete cases people reason about, and properties over random calendars."""

import datetime as dt
import functools
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core import business_time as bt
from apps.core.factories import BusinessCalendarFactory
from apps.core.models import Holiday

H = dt.timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = (((9 * 60, 17 * 60),),) * 5 + ((), ())


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def office(holidays=frozenset(), tz=BERLIN) -> bt.Schedule:
    return bt.Schedule(tz=tz, weekly=NINE_TO_FIVE, holidays=frozenset(holidays))


# --- concrete cases ------------------------------------------------------------------------------


def test_adding_hours_within_a_working_day():
    assert bt.add_working_time(office(), berlin(2026, 11, 23, 10), 4 * H) == berlin(2026, 11, 23, 14)


def test_adding_hours_carries_over_the_night():
    # Monday 15:00 + 4 working hours = 2 today + 2 on Tuesday morning.
    assert bt.add_working_time(office(), berlin(2026, 11, 23, 15), 4 * H) == berlin(2026, 11, 24, 11)


def test_adding_hours_skips_the_weekend():
    assert bt.add_working_time(office(), berlin(2026, 11, 27, 16), 2 * H) == berlin(2026, 11, 30, 10)


def test_a_start_outside_hours_counts_from_the_next_opening():
    assert bt.add_working_time(office(), berlin(2026, 11, 28, 23), 1 * H) == berlin(2026, 11, 30, 10)


def test_holidays_are_skipped():
    schedule = office(holidays={dt.date(2026, 12, 24), dt.date(2026, 12, 25)})
    assert bt.add_working_time(schedule, berlin(2026, 12, 23, 16), 2 * H) == berlin(2026, 12, 28, 10)


def test_a_day_that_springs_forward_is_23_hours_long_around_the_clock():
    schedule = bt.always("Europe/Berlin")
    # 29 March 2026: clocks go 02:00 → 03:00. 24 working (elapsed) hours from Saturday noon end at Sunday 13:00.
    assert bt.add_working_time(schedule, berlin(2026, 3, 28, 12), 24 * H) == berlin(2026, 3, 29, 13)


def test_office_hours_are_wall_clock_hours_across_daylight_saving():
    # Friday 16:00 CET + 2 working hours = Monday 10:00 CEST, although 65 real hours pass, not 66.
    end = bt.add_working_time(office(), berlin(2026, 3, 27, 16), 2 * H)
    assert end == berlin(2026, 3, 30, 10)
    assert end - berlin(2026, 3, 27, 16) == 65 * H


def test_working_time_between_counts_only_open_hours():
    assert bt.working_time_between(office(), berlin(2026, 11, 27, 16), berlin(2026, 11, 30, 10)) == 2 * H


def test_working_time_between_is_negative_backwards():
    assert bt.working_time_between(office(), berlin(2026, 11, 24, 12), berlin(2026, 11, 24, 10)) == -2 * H


def test_working_time_between_two_instants_of_the_repeated_autumn_hour():
    # 25 Oct 2026 in Berlin: 02:00–03:00 happens twice. 02:30 CEST (first pass) to 02:15 CET (second) is
    # 45 real minutes, although the second reads earlier on the wall clock.
    start = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC).astimezone(BERLIN)
    end = dt.datetime(2026, 10, 25, 1, 15, tzinfo=dt.UTC).astimezone(BERLIN)
    assert (start.fold, end.fold, start.hour, end.hour) == (0, 1, 2, 2)
    schedule = bt.always("Europe/Berlin")
    assert bt.working_time_between(schedule, start, end) == dt.timedelta(minutes=45)
    assert bt.working_time_between(schedule, end, start) == -dt.timedelta(minutes=45)


def test_adding_working_days_keeps_the_time_of_day():
    # Thursday 11:00 + 5 working days, with Friday a holiday: next Friday 11:00.
    schedule = office(holidays={dt.date(2026, 11, 27)})
    assert bt.add_working_days(schedule, berlin(2026, 11, 26, 11), 5) == berlin(2026, 12, 4, 11)


def test_adding_working_days_from_a_weekend_starts_on_monday_morning():
    assert bt.add_working_days(office(), berlin(2026, 11, 28, 20), 1) == berlin(2026, 12, 1, 9)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        bt.add_working_time(office(), dt.datetime(2026, 1, 1, 9), H)


def test_a_schedule_with_no_hours_is_refused():
    with pytest.raises(ValueError, match="some working time"):
        bt.Schedule(tz=BERLIN, weekly=((),) * 7)


def test_calendar_model_builds_its_schedule_with_holidays(db):
    calendar = BusinessCalendarFactory(name="Berlin office", timezone="Europe/Berlin", holiday_country="DE")
    Holiday.objects.create(calendar=calendar, date=dt.date(2026, 12, 28), name="Company day")
    schedule = calendar.schedule()
    # 25/26 Dec are German public holidays, 28 Dec is the company's own, 27 Dec a Sunday.
    assert bt.add_working_time(schedule, berlin(2026, 12, 24, 16), 2 * H) == berlin(2026, 12, 29, 10)


# --- properties over random calendars, zones, holidays and instants ------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo"]


@st.composite
def schedules(draw, zones=ZONES):
    weekly = []
    for _ in range(7):
        windows, cursor = [], 0
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.integers(cursor, bt.MINUTES_PER_DAY - 30))
            end = draw(st.integers(start + 15, min(start + 14 * 60, bt.MINUTES_PER_DAY)))
            windows.append((start, end))
            cursor = end + 1
            if cursor >= bt.MINUTES_PER_DAY - 30:
                break
        weekly.append(tuple(windows))
    if sum(b - a for day in weekly for a, b in day) < 4 * 60:
        # At least four hours a week, so that the durations below fit well inside the search horizon.
        weekly[draw(st.integers(0, 6))] = ((draw(st.integers(0, 12)) * 60, 20 * 60),)
    base = dt.date(2026, 1, 1)
    holidays = frozenset(base + dt.timedelta(days=d) for d in draw(st.sets(st.integers(0, 400), max_size=40)))
    return bt.Schedule(tz=ZoneInfo(draw(st.sampled_from(zones))), weekly=tuple(weekly), holidays=holidays)


_YEAR_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@functools.cache
def dst_changes_2026(zone: str) -> list[dt.datetime]:
    """The instants (to the hour) in 2026 at which the zone's UTC offset changes."""
    tz, changes = ZoneInfo(zone), []
    hours = [_YEAR_START + dt.timedelta(hours=h) for h in range(366 * 24)]
    for before, after in itertools.pairwise(hours):
        if before.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
            changes.append(after)
    return changes


def instants_for(schedule: bt.Schedule):
    """Whole-minute instants in 2026; half of them within two days of one of the zone's own DST changes,
    where the arithmetic is hardest."""
    anywhere = st.integers(0, 365 * 24 * 60).map(lambda m: _YEAR_START + dt.timedelta(minutes=m))
    changes = dst_changes_2026(schedule.tz.key)
    if not changes:
        return anywhere
    near_change = st.tuples(st.sampled_from(changes), st.integers(-2 * 24 * 60, 2 * 24 * 60)).map(
        lambda p: p[0] + dt.timedelta(minutes=p[1])
    )
    return st.one_of(anywhere, near_change)


def near_a_change(zone: str, minutes: int):
    """Whole-minute instants within `minutes` of one of the zone's 2026 DST changes."""
    return st.tuples(st.sampled_from(dst_changes_2026(zone)), st.integers(-minutes, minutes)).map(
        lambda p: p[0] + dt.timedelta(minutes=p[1])
    )


@st.composite
def schedule_and_instant(draw):
    schedule = draw(schedules())
    return schedule, draw(instants_for(schedule))


durations = st.integers(1, 60 * 60).map(lambda m: dt.timedelta(minutes=m))


def brute_force_is_working(schedule: bt.Schedule, instant: dt.datetime) -> bool:
    local = instant.astimezone(schedule.tz)
    minute = local.hour * 60 + local.minute
    return local.date() not in schedule.holidays and any(a <= minute < b for a, b in schedule.weekly[local.weekday()])


def brute_force_working_minutes(schedule: bt.Schedule, start: dt.datetime, end: dt.datetime) -> int:
    """The oracle: walk real minutes, ask the wall clock whether each is inside a window."""
    count, t, end = 0, start.astimezone(dt.UTC), end.astimezone(dt.UTC)  # real minutes, not wall-clock ones
    while t < end:
        local = t.astimezone(schedule.tz)
        minute = local.hour * 60 + local.minute
        if local.date() not in schedule.holidays and any(a <= minute < b for a, b in schedule.weekly[local.weekday()]):
            count += 1
        t += dt.timedelta(minutes=1)
    return count


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=schedule_and_instant(), span=st.integers(0, 2 * 24 * 60))
def test_working_time_between_matches_a_minute_by_minute_count(case, span):
    schedule, start = case
    end = start + dt.timedelta(minutes=span)
    expected = brute_force_working_minutes(schedule, start, end)
    assert bt.working_time_between(schedule, start, end) == dt.timedelta(minutes=expected)


@st.composite
def local_instants_around_a_change(draw):
    """A schedule (around the clock or random) in a zone with DST, and two instants within an hour of one of its
    changes, given in that zone's local time as callers may: inside the repeated autumn hour the later instant
    can read earlier on the wall clock (only `fold` tells them apart)."""
    zone = draw(st.sampled_from([zone for zone in ZONES if dst_changes_2026(zone)]))
    schedule = draw(st.one_of(st.just(bt.always(zone)), schedules(zones=[zone])))
    first, second = draw(near_a_change(zone, 60)), draw(near_a_change(zone, 60))
    return schedule, first.astimezone(schedule.tz), second.astimezone(schedule.tz)


@settings(max_examples=200, deadline=None)
@given(case=local_instants_around_a_change())
def test_working_time_between_local_instants_around_a_change_matches_the_count(case):
    schedule, first, second = case
    # Ordered in real time: `<` between two datetimes of one zone compares their wall-clock readings.
    start, end = (first, second) if first.astimezone(dt.UTC) <= second.astimezone(dt.UTC) else (second, first)
    expected = dt.timedelta(minutes=brute_force_working_minutes(schedule, start, end))
    assert bt.working_time_between(schedule, start, end) == expected
    assert bt.working_time_between(schedule, end, start) == -expected


@settings(max_examples=400, deadline=None)
@given(case=schedule_and_instant())
def test_is_working_time_agrees_with_the_wall_clock(case):
    schedule, instant = case
    assert bt.is_working_time(schedule, instant) == brute_force_is_working(schedule, instant)


@settings(max_examples=200, deadline=None)
@given(case=schedule_and_instant(), duration=durations)
def test_adding_then_measuring_gives_back_the_duration(case, duration):
    schedule, start = case
    end = bt.add_working_time(schedule, start, duration)
    assert end > start
    assert bt.working_time_between(schedule, start, end) == duration


@settings(max_examples=200, deadline=None)
@given(case=schedule_and_instant(), first=durations, second=durations)
def test_adding_in_two_steps_equals_adding_at_once(case, first, second):
    schedule, start = case
    in_steps = bt.add_working_time(schedule, bt.add_working_time(schedule, start, first), second)
    assert in_steps == bt.add_working_time(schedule, start, first + second)


@settings(max_examples=200, deadline=None)
@given(case=schedule_and_instant(), duration=durations)
def test_the_due_instant_ends_working_time(case, duration):
    schedule, start = case
    # The last minute before the due instant is working time: never a night, weekend or holiday.
    end = bt.add_working_time(schedule, start, duration)
    assert bt.is_working_time(schedule, end - dt.timedelta(minutes=1))


@settings(max_examples=100, deadline=None)
@given(case=schedule_and_instant(), pause=st.integers(0, 3 * 24 * 60), target=durations)
def test_pausing_and_resuming_keeps_the_remaining_time(case, pause, target):
    """What an SLA clock does: run, pause, resume with what was left; it is due when the target is used up."""
    schedule, start = case
    due = bt.add_working_time(schedule, start, target)
    paused_at = start + (due - start) / 2
    used = bt.working_time_between(schedule, start, paused_at)
    resumed_at = paused_at + dt.timedelta(minutes=pause)
    new_due = bt.add_working_time(schedule, resumed_at, target - used)
    worked = bt.working_time_between(schedule, start, paused_at) + bt.working_time_between(
        schedule, resumed_at, new_due
    )
    assert worked == target
    assert new_due >= due


@settings(max_examples=150, deadline=None)
@given(case=schedule_and_instant(), days=st.integers(0, 15))
def test_adding_working_days_lands_in_working_time_on_a_working_day(case, days):
    schedule, start = case
    end = bt.add_working_days(schedule, start, days)
    assert end >= start
    assert bt.is_working_time(schedule, end) or bt.is_working_time(schedule, end - dt.timedelta(seconds=1))


def test_zero_working_days_inside_the_repeated_fall_back_hour_does_not_go_back():
    # Found by hypothesis: 02:00 happens twice on 25 Oct 2026 in Berlin; the second one must not map to the first.
    schedule = bt.Schedule(tz=BERLIN, weekly=((), (), (), (), (), (), ((0, 240),)))
    start = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)
    assert bt.add_working_days(schedule, start, 0) == start
