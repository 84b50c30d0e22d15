"""The quarter-start snapshot: taken on the quarter's first day only, once, and once under two beats at once."""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.sales_ops.coverage.models import CoverageSnapshot, CoverageSnapshotLine
from apps.sales_ops.coverage.services.snapshots import coverage_snapshot_due, coverage_snapshot_take
from apps.sales_ops.coverage.tasks import coverage_daily_task
from tests.concurrency import run_at_once

from .conftest import QUARTER


def test_no_snapshot_on_another_day(world):
    assert coverage_snapshot_due(today=dt.date(2026, 11, 23)) is None
    assert not CoverageSnapshot.objects.exists()


def test_snapshot_on_the_first_day_keeps_figures_and_definition(world, frozen):
    frozen.now = dt.datetime(2026, 10, 1, 5, tzinfo=dt.UTC)
    snapshot, taken = coverage_snapshot_due(today=dt.date(2026, 10, 1))
    assert taken and snapshot.quarter == QUARTER
    assert snapshot.definition["negotiation"] == "commit"
    assert CoverageSnapshotLine.objects.filter(snapshot=snapshot).count() == 4
    ana = CoverageSnapshotLine.objects.get(snapshot=snapshot, rep__username="ana")
    assert (ana.quota, ana.required_multiple) == (D(100_000), D("3.00"))


def test_a_second_run_takes_nothing(world, frozen):
    frozen.now = dt.datetime(2026, 10, 1, 5, tzinfo=dt.UTC)
    first = coverage_daily_task()
    second = coverage_daily_task()
    assert (first["snapshot_taken"], second["snapshot_taken"]) == (True, False)
    assert CoverageSnapshot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_take_one_snapshot(on_postgres, world):
    results = run_at_once(lambda: coverage_snapshot_take(quarter=QUARTER, today=dt.date(2026, 10, 1)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(taken for _snapshot, taken in results) == [False, True]
    assert CoverageSnapshot.objects.count() == 1
    assert CoverageSnapshotLine.objects.count() == 4
