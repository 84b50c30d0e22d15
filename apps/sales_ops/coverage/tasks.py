"""Celery tasks of coverage: thin, idempotent, calling the services."""

from celery import shared_task
from django.utils import timezone

from apps.sales_ops.coverage.services.alerts import coverage_alerts_send
from apps.sales_ops.coverage.services.snapshots import coverage_snapshot_due


@shared_task(acks_late=True)
def coverage_daily_task() -> dict:
    """Every morning: the quarter-start snapshot on the quarter's first day (once), then the coverage alerts of an
    alert day (once per recipient and period)."""
    today = timezone.localdate()
    taken = coverage_snapshot_due(today=today)
    return {"snapshot_taken": bool(taken and taken[1]), "emails": coverage_alerts_send(today=today)}
