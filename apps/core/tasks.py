"""Celery tasks of core: thin, idempotent, taking ids and calling services."""

from celery import shared_task

from apps.core.services import health, outbox


@shared_task(acks_late=True)
def outbox_deliver_task(message_id: int) -> bool:
    return outbox.email_deliver(message_id=message_id)


@shared_task(acks_late=True)
def outbox_flush_task() -> int:
    """Every minute: deliver what is due (new rows whose task was lost, retries after backoff, and claims
    whose deliverer died mid-send, once they lapse)."""
    return sum(outbox.email_deliver(message_id=pk) for pk in outbox.email_due_ids())


@shared_task(bind=True)
def worker_heartbeat_task(self) -> None:
    """Every minute from beat: the worker that takes it notes it is alive, for /healthz/."""
    health.worker_heartbeat_record(worker=self.request.hostname or "unknown")


@shared_task(acks_late=True)
def notification_digest_task() -> int:
    """Every morning from beat: each person's digest of the messages they chose to get that way."""
    from django.utils import timezone

    from apps.core.services import digests

    return digests.notification_digests_send(day=timezone.localdate())
