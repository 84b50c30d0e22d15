"""Celery tasks of the deal desk: thin, idempotent, calling the services."""

from celery import shared_task

from apps.sales_ops.deal_desk import services as deal_desk


@shared_task(acks_late=True)
def deal_desk_scan_task() -> int:
    """Every minute: deal desk reminders and escalations that have come due, and approvals that lapsed."""
    return deal_desk.deal_desk_scan()
