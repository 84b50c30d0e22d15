"""The SLA scan over a million running clocks: filled by COPY, timed beside its own locked SELECT alone."""

import datetime as dt
import functools
import gc
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from apps.core import business_time
from apps.core.models import BusinessCalendar, EmailMessage, Lead
from apps.core.tasks import outbox_deliver_task
from apps.sales_ops.models import SlaClock, SlaEscalation, SlaEvent, SlaNotice, SlaPolicy
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.services.scan import _DueClock
from tests.bench.fill import SEED, copy_rows, reset_sequences, timed
from tests.bench.measure import BenchError

TARGET_HOURS = 16
POLICY = f"Bench: SQL follow-up in {TARGET_HOURS} working hours"  # a new target refills the clocks
WARN_AT_PERCENT = 75
DUE = 1_000  # clocks due at the scan instant, as the issue states it
BATCH_SIZE = 500  # the scan's default
INDEX = "sla_clock_next_check"
SMALL_RUNNING = 1_000  # not-due clocks beside the same due ones in the small world
# Starts on a 5-minute grid over the last two weeks: enough to place clocks before and after each level.
START_STEP = dt.timedelta(minutes=5)
LOOKBACK = dt.timedelta(days=14)
STAGE = "sql"
CLOCK_COLUMNS = (
    "id lead_id policy_id stage calendar_id state target unit warn_at_percent started_at budget used_before_pause "
    "counting_since warn_at due_at pause_reason next_check_at levels_done"
)
EVENT_COLUMNS = "id clock_id kind at detail"
WRITTEN = {SlaEvent: "SLA events", SlaNotice: "notices", EmailMessage: "outbox e-mails"}
SLA_MODELS = [SlaNotice, SlaEvent, SlaClock, SlaEscalation, SlaPolicy, SlaPolicy.history.model]


def due_count(clocks: int) -> int:
    """The due clocks among `clocks` running: the issue's thousand, a tenth at most at a small --scale."""
    return min(DUE, clocks // 10)


def scan_instant() -> dt.datetime:
    """The instant every scan of the bench runs at: when the company was filled (its newest lead arrived).

    A fixed instant, not the wall clock, so that reused data still has exactly its due clocks days later.
    """
    return Lead.objects.aggregate(at=Max("created_at"))["at"]


def is_filled() -> bool:
    """Whether the clocks are there: one per lead, and the due ones due (cheap counts, so a re-run skips the fill)."""
    leads = Lead.objects.count()
    if not leads or not SlaPolicy.objects.filter(name=POLICY).exists():
        return False
    due = SlaClock.objects.filter(next_check_at__lt=scan_instant()).count()
    return SlaClock.objects.filter(state=SlaClock.State.RUNNING).count() == leads and due == due_count(leads)


# --- the fill -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Start:
    """A clock started at `at` in one calendar, with its instants exactly as services.sla_clock_start sets them."""

    at: dt.datetime
    budget: dt.timedelta
    warn_at: dt.datetime
    due_at: dt.datetime


def fill(*, log=print) -> None:
    """Empty the SLA tables, then write a policy, a running clock per lead (the due ones for owned leads) and events."""
    rng = random.Random(SEED + 1)
    now = scan_instant()
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables = ", ".join(model._meta.db_table for model in SLA_MODELS)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        policy = _policy()
        with connection.cursor() as cursor:
            # As in fill.py: PostgreSQL refuses to alter a table with pending (deferred) foreign key checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        starts = timed(log, "clock schedules", lambda: _starts(policy, now))
        leads = timed(log, "clock leads", _leads)
        events = timed(log, "SLA clocks", lambda: _copy_clocks(policy, leads, starts, now, rng))
        timed(log, "SLA events", lambda: copy_rows("sales_ops_slaevent", EVENT_COLUMNS, events))
        reset_sequences(SlaClock._meta.db_table, SlaEvent._meta.db_table)
    timed(log, "SLA vacuum analyze", _vacuum_analyze)


def _policy() -> SlaPolicy:
    """The issue's small ladder: a warning to the owner; at breach the owner and their manager."""
    policy = SlaPolicy.objects.create(
        name=POLICY,
        stage=STAGE,
        target=TARGET_HOURS,
        unit=SlaPolicy.Unit.HOURS,
        warn_at_percent=WARN_AT_PERCENT,
        calendar_mode=SlaPolicy.CalendarMode.TERRITORY,
    )
    Rung, Level, To = SlaEscalation, SlaEscalation.Level, SlaEscalation.Recipient
    Rung.objects.bulk_create(
        [
            Rung(policy=policy, level=Level.WARNING, recipient=To.OWNER),
            Rung(policy=policy, level=Level.BREACH, recipient=To.OWNER),
            Rung(policy=policy, level=Level.BREACH, recipient=To.MANAGER),
        ]
    )
    return policy


def _starts(policy: SlaPolicy, now: dt.datetime) -> dict[int, list[_Start]]:
    """Per territory calendar, a clock started at each grid point of the lookback, newest first.

    The arithmetic is sla_clock_start's, done once per calendar and start instead of once per clock.
    """
    result = {}
    for calendar in BusinessCalendar.objects.prefetch_related("working_hours"):
        schedule = calendar.schedule()
        starts = []
        for step in range(int(LOOKBACK / START_STEP)):
            at = now - step * START_STEP
            due = policy.due(schedule, at)
            budget = business_time.working_time_between(schedule, at, due)
            warn = business_time.add_working_time(schedule, at, budget * policy.warn_at_percent / 100)
            starts.append(_Start(at, budget, warn, due))
        result[calendar.pk] = starts
    return result


def _leads() -> list[tuple[int, int | None, int]]:
    """(lead id, owner id, territory calendar id) of every lead, by id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.owner_id, t.calendar_id FROM core_lead l JOIN core_account a ON a.id = l.account_id "
            "JOIN core_territory t ON t.id = a.territory_id ORDER BY l.id"
        )
        return cursor.fetchall()


def _copy_clocks(policy: SlaPolicy, leads, starts, now: dt.datetime, rng: random.Random):
    """One running clock per lead; return the events the clocks' past implies (started; warning when handled).

    Due clocks belong to owned leads, so that their alerts reach an owner and a manager. A due clock is past
    its warning or its due instant with that level not yet handled; every other clock's next check is later:
    its warning, or its due instant once the warning was handled.
    """
    owned = [lead_id for lead_id, owner_id, _calendar_id in leads if owner_id is not None]
    due_ids = set(rng.sample(owned, due_count(len(leads))))
    choices = {}
    for calendar_id, calendar_starts in starts.items():
        later = [start for start in calendar_starts if start.due_at > now]
        passed = [start for start in calendar_starts if start.warn_at < now]
        if not later or not passed:
            raise BenchError(f"Calendar {calendar_id} has no start that is due, or none that is not, at {now}.")
        choices[calendar_id] = (later, passed)
    past: list[tuple[_Start, bool]] = []  # per clock, for the events: its start, and whether it was warned

    def rows():
        for clock_id, (lead_id, _owner_id, calendar_id) in enumerate(leads, start=1):
            later, passed = choices[calendar_id]
            if lead_id in due_ids:
                start = rng.choice(passed)
                # Past due, half have had their warning, so the scan meets warnings, breaches and both at once.
                warned = start.due_at < now and rng.random() < 0.5
            else:
                start = rng.choice(later)
                warned = start.warn_at < now
            past.append((start, warned))
            yield (
                clock_id,
                lead_id,
                policy.pk,
                STAGE,
                calendar_id,
                SlaClock.State.RUNNING,
                TARGET_HOURS,
                SlaPolicy.Unit.HOURS.value,
                WARN_AT_PERCENT,
                start.at,
                start.budget,
                dt.timedelta(0),
                start.at,
                start.warn_at,
                start.due_at,
                "",
                start.due_at if warned else start.warn_at,
                '["warning"]' if warned else "[]",
            )

    copy_rows("sales_ops_slaclock", CLOCK_COLUMNS, rows())
    return _events(past)


def _events(past: list[tuple[_Start, bool]]):
    event_id = 0
    for clock_id, (start, warned) in enumerate(past, start=1):
        event_id += 1
        yield event_id, clock_id, SlaEvent.Kind.STARTED, start.at, f"due {start.due_at:%Y-%m-%d %H:%M} UTC"
        if warned:
            event_id += 1
            yield event_id, clock_id, SlaEvent.Kind.WARNING, start.warn_at, SlaEscalation.Level.WARNING.value


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for model in (SlaClock, SlaEvent):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


# --- the measurement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    running: int
    due: int
    # scan, select (the scan's SELECT alone), small (the scan in the small world), scan_and_send (then the e-mails)
    median_ms: dict[str, float]
    queries: dict[str, int]
    query_kinds: dict[str, int]  # the scan's queries by their first word
    written: dict[str, int]  # rows one scan writes
    plan: list[str]

    @property
    def uses_index(self) -> bool:
        return any(INDEX in line for line in self.plan)

    def plan_summary(self) -> list[str]:
        """The plan's top (rows and buffers of the whole SELECT), its read of the clocks, and its time."""
        keep = (INDEX, "Index Cond: (next_check_at")
        return [
            line.strip()
            for i, line in enumerate(self.plan)
            if i < 2 or any(text in line for text in keep) or line.startswith("Execution Time")
        ]


def measure(*, warmup: int, repeat: int) -> Result:
    """Check one scan (all due handled, its SELECT the bench's), count queries, then time the three in turns."""
    now = scan_instant()
    # As a Celery worker process does once it has loaded the app (smops/celery.py): what is loaded stays out of
    # the collector's full walks, which the scan's thousands of rows would otherwise trigger over all of it.
    gc.freeze()
    running = SlaClock.objects.filter(state=SlaClock.State.RUNNING).count()
    due = SlaClock.objects.filter(next_check_at__lt=now).count()
    small = functools.partial(_small_world, now)
    # The scan queues each e-mail's delivery with transaction.on_commit, and the bench rolls every scan back,
    # which discards those callbacks. The patch is for the day a scan commits on its own: the bench must then
    # neither deliver mail nor wait on a broker that `make bench` never starts.
    with mock.patch.object(outbox_deliver_task, "delay", lambda *args, **kwargs: None):
        scan_sql, kinds, written = _check_scan(now, due)
        select_sql = _captured(lambda: _due_select(now, BATCH_SIZE))
        first_select = next((sql for sql in scan_sql if sql.startswith("SELECT")), "")
        if select_sql != [first_select]:
            raise BenchError(f"The bench's SELECT is no longer the scan's; update sla._due_queryset:\n{first_select}")
        small_sql, _kinds, _written = _check_scan(now, due, setup=small)
        queries = {"scan": len(scan_sql), "select": len(select_sql), "small": len(small_sql)}
        actions = {
            "scan": (lambda: services.sla_scan(now=now, batch_size=BATCH_SIZE), None),
            # The scan's SELECT with room for every due clock: the rows the scan reads, in one statement.
            "select": (lambda: _due_select(now, due), None),
            "small": (lambda: services.sla_scan(now=now, batch_size=BATCH_SIZE), small),
            # What the scan leaves to the sender (queued on commit in production): the same notices, e-mailed.
            "scan_and_send": (
                lambda: (services.sla_scan(now=now, batch_size=BATCH_SIZE), services.sla_alerts_send(now=now)),
                None,
            ),
        }
        median_ms = _median_ms(actions, warmup=warmup, repeat=repeat)
    return Result(running, due, median_ms, queries, kinds, written, _plan(now))


def _due_queryset(now: dt.datetime):
    """The scan's locked SELECT of due clocks, built as services.sla_scan builds it (checked against its SQL)."""
    return (
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_check_at__lt=now)
        .order_by("next_check_at")
        .values(*_DueClock.COLUMNS)
    )


def _due_select(now: dt.datetime, limit: int) -> list[dict]:
    return list(_due_queryset(now)[:limit])


@contextmanager
def _rolled_back():
    """A transaction that is always rolled back: the scans write, and each must find the same clocks due."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _captured(action: Callable) -> list[str]:
    with _rolled_back(), CaptureQueriesContext(connection) as captured:
        action()
    return [query["sql"] for query in captured]


def _check_scan(now: dt.datetime, due: int, *, setup: Callable | None = None):
    """One scan, counted: it must handle every due clock and leave none due. Its SQL, query counts and writes."""
    before = {
        model: model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in (SlaEvent, SlaNotice, EmailMessage)
    }
    with _rolled_back():
        if setup is not None:
            setup()
        with CaptureQueriesContext(connection) as captured:
            handled = services.sla_scan(now=now, batch_size=BATCH_SIZE)
        left = SlaClock.objects.filter(next_check_at__lt=now).count()
        written = {WRITTEN[model]: model.objects.filter(pk__gt=last).count() for model, last in before.items()}
    if handled != due or left:
        raise BenchError(f"The scan handled {handled} of {due} due clocks and left {left} due.")
    sql = [query["sql"] for query in captured]
    kinds = Counter(statement.split(None, 1)[0].upper() for statement in sql)
    return sql, dict(kinds), written


def _small_world(now: dt.datetime) -> None:
    """For this transaction, shadow the clock table with a temporary one: the same due clocks, few running.

    PostgreSQL looks in the session's temporary schema first, so the scan's unqualified queries read and
    update the small table; events and notices still go to the real tables (their clocks' ids exist there).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'sales_ops_slaclock'::regclass"
        )
        real = f"{cursor.fetchone()[0]}.sales_ops_slaclock"
        cursor.execute(f"CREATE TEMPORARY TABLE sales_ops_slaclock (LIKE {real} INCLUDING ALL) ON COMMIT DROP")
        cursor.execute(f"INSERT INTO pg_temp.sales_ops_slaclock SELECT * FROM {real} WHERE next_check_at <= %s", [now])
        cursor.execute(
            f"INSERT INTO pg_temp.sales_ops_slaclock (SELECT * FROM {real} WHERE next_check_at > %s "
            "ORDER BY next_check_at LIMIT %s)",
            [now, SMALL_RUNNING],
        )
        cursor.execute("ANALYZE pg_temp.sales_ops_slaclock")


def _median_ms(actions: dict[str, tuple[Callable, Callable | None]], *, warmup: int, repeat: int) -> dict[str, float]:
    """Median wall time of each action, each in its own rolled-back transaction, taking turns in a shuffled order."""
    samples: dict[str, list[float]] = {name: [] for name in actions}
    order, rng = list(actions), random.Random(0)
    for round_ in range(warmup + repeat):
        rng.shuffle(order)
        for name in order:
            action, setup = actions[name]
            with _rolled_back():
                if setup is not None:
                    setup()
                started = time.perf_counter()
                action()
                elapsed = time.perf_counter() - started
            if round_ >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def _plan(now: dt.datetime) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the scan's first SELECT, rolled back (FOR UPDATE takes its locks)."""
    with _rolled_back():
        return _due_queryset(now)[:BATCH_SIZE].explain(analyze=True, buffers=True).splitlines()
