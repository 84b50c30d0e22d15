"""The quarter-start snapshot: each rep's coverage as it stood on the quarter's first day, taken exactly once.

The snapshot's quarter is unique: two beats that run at once both compute it, one inserts it, the other's insert
meets the constraint, rolls back and returns the one that is there. It keeps the pipeline definition and the
settings it was computed with.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.models import User
from apps.core.quarters import fiscal_start_month, quarter_bounds, quarter_of
from apps.sales_ops.coverage.models import CoverageSnapshot, CoverageSnapshotLine


def sees_every_rep() -> User:
    """Who the snapshot is computed as: someone who sees every rep (an unsaved superuser, never stored)."""
    return User(is_superuser=True, username="coverage-snapshot")


def coverage_snapshot_take(*, quarter: str, today: dt.date) -> tuple[CoverageSnapshot, bool]:
    """The quarter's snapshot, taken now if it is not there yet; and whether this call took it."""
    from apps.sales_ops.coverage.selectors import coverage_report  # the selectors read this module's models

    existing = CoverageSnapshot.objects.filter(quarter=quarter).first()
    if existing is not None:
        return existing, False
    report = coverage_report(user=sees_every_rep(), quarter=quarter, today=today)
    rules = report.rules
    try:
        with transaction.atomic():
            snapshot = CoverageSnapshot.objects.create(
                quarter=quarter,
                taken_on=today,
                taken_at=timezone.now(),
                definition=report.definition.as_dict(),
                fiscal_year_start_month=fiscal_start_month(),
                default_multiple=rules.default_multiple,
                min_closed_deals=rules.min_closed_deals,
                thin_ratio=rules.thin_ratio,
            )
            CoverageSnapshotLine.objects.bulk_create(
                CoverageSnapshotLine(
                    snapshot=snapshot,
                    rep_id=line.rep_id,
                    quota=line.figures.quota,
                    open_pipeline=line.figures.open_pipeline,
                    won=line.figures.won,
                    gap=line.figures.gap,
                    coverage=line.figures.coverage,
                    required_multiple=line.figures.required_multiple,
                    win_rate=line.figures.win_rate,
                    status=line.figures.status,
                )
                for line in report.reps
            )
    except IntegrityError:  # another run took it first: theirs stands
        return CoverageSnapshot.objects.get(quarter=quarter), False
    return snapshot, True


def coverage_snapshot_due(*, today: dt.date) -> tuple[CoverageSnapshot, bool] | None:
    """The daily beat's question: on a quarter's first day, take its snapshot (once); any other day, nothing."""
    quarter = quarter_of(today)
    if quarter_bounds(quarter)[0] != today:
        return None
    return coverage_snapshot_take(quarter=quarter, today=today)
