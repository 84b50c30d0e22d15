"""The worker's heartbeat: written by the periodic task and at worker start, read by /healthz/."""

import datetime as dt

from django.utils import timezone

from apps.core.models import WorkerHeartbeat

# Rows of workers gone for this long are dropped, so that renamed or retired workers do not pile up.
FORGET_AFTER = dt.timedelta(days=7)


def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Note that `worker` is alive and taking tasks now (one row per worker, updated in place)."""
    now = timezone.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return heartbeat
