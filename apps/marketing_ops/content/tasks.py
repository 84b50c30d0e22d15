"""Celery tasks of the content library: thin, idempotent, taking ids and calling the services.

A task that meets the database away (a failover, a restart) retries with backoff; everything else a task can meet
is a result its service records. A version whose task is lost altogether is picked up by the re-drive.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from apps.core.services.dispatch import enqueue_after_commit
from apps.marketing_ops.content.services import processing, sweep

# Reading a file is capped (pages, characters, pixels), so a minute is plenty; past the soft limit the version is
# marked "none" with the reason, past the hard one the worker is replaced and the re-drive tries once more later.
PROCESS_SOFT_TIME_LIMIT, PROCESS_TIME_LIMIT = 120, 150
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(acks_late=True, soft_time_limit=PROCESS_SOFT_TIME_LIMIT, time_limit=PROCESS_TIME_LIMIT, **RETRY)
def version_process_task(version_id: int) -> bool:
    """After an upload: extract the version's text and render its preview (safe to run twice, or at once)."""
    return processing.version_process(version_id=version_id)


@shared_task(acks_late=True, **RETRY)
def version_process_redrive_task() -> int:
    """Every scan interval: versions still pending some minutes after their upload get their task again."""
    older_than = dt.timedelta(minutes=settings.CONTENT_PROCESS_REDRIVE_MINUTES)
    pending = processing.version_pending_ids(older_than=older_than)
    for version_id in pending:
        enqueue_after_commit(version_process_task, version_id)
    return len(pending)


@shared_task(acks_late=True, **RETRY)
def content_sweep_task() -> dict:
    """Hourly from beat (its effects are once a day): reminders to owners, archiving on the expiry day, the list
    of stale assets to marketing ops, and giving up on versions pending for a day."""
    return sweep.content_sweep().as_dict()
