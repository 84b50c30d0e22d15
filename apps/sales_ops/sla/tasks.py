"""Celery tasks of lead SLAs: thin, idempotent, calling the services."""

from celery import shared_task
from django.utils import timezone

from apps.sales_ops.sla import services as sla


@shared_task(acks_late=True)
def sla_scan_task() -> int:
    """Every minute: warnings, breaches, escalations and breach actions that have come due."""
    return sla.sla_scan()


@shared_task(acks_late=True)
def sla_alerts_send_task() -> int:
    """Queued by each scan, and every minute from beat in case one was lost: e-mail the unsent notices."""
    return sla.sla_alerts_send()


@shared_task(acks_late=True)
def sla_digest_task() -> int:
    """Every morning: each subscribed manager's digest of their team's open breaches."""
    return sla.sla_digest_send(day=timezone.localdate())
