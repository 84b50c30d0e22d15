"""Celery tasks of marketing ops: thin, idempotent, calling services."""

from celery import shared_task

from apps.marketing_ops.budgets.services import watch


@shared_task(acks_late=True)
def budget_watch_task(campaign_id: int | None = None) -> int:
    """Hourly from beat for every active campaign, and after each posting for its campaign: alert crossings."""
    return watch.budget_watch(campaign_ids=None if campaign_id is None else [campaign_id])
