"""The worker's heartbeat: when a Celery worker last ran a task from the queue, for /healthz/ to judge."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time the named worker ran the periodic heartbeat task (or started).

    Beat queues the heartbeat every minute and whichever worker takes it writes its row: the newest row says
    that beat, the broker and at least one worker were all working then. /healthz/ reads the newest.
    """

    worker = models.CharField(max_length=255, unique=True, help_text="The worker's node name, e.g. celery@host")
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S} UTC"
