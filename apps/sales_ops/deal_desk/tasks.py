"""Celery tasks of the deal desk: thin, idempotent, calling the services."""

from celery import shared_task

from apps.sales_ops.deal_desk import services as deal_desk


@shared_task(acks_late=True)
def deal_desk_scan_task() -> int:
    """Every minute: deal desk announcements whose task was lost, reminders and escalations that have come
    due, and approvals that lapsed."""
    return deal_desk.deal_desk_scan()


@shared_task(acks_late=True)
def deal_step_announce_task(step_id: int) -> int:
    """Queued when a step is reached, after the commit: ask its approvers (the scan re-drives a lost one)."""
    return deal_desk.deal_step_announce(step_id=step_id)
