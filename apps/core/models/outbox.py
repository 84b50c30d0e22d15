"""The e-mail outbox: every outbound message is a row first, delivered later by a task."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class EmailMessage(models.Model):
    """One outbound e-mail. `idempotency_key` makes enqueuing the same alert twice store one row.

    The subject is rendered when the message is enqueued; the bodies by the first delivery attempt, from
    `template` and `context`, so that whoever enqueues (a scan over a thousand clocks) stays quick.

    A delivery claims the row ("sending", `claimed_at`, one more attempt) in a short transaction of its own,
    sends outside any transaction, then records the outcome. For a "sending" row `next_attempt_at` is when
    the claim lapses: a deliverer that died mid-send leaves the row to the flush scan after that instant.

    A message of a `kind` goes now only to those who want it now; the others are listed in `withheld` (and
    held in a `DigestEntry` for those who chose their digest). Withheld from all, it is never delivered.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending (claimed by a deliverer)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        WITHHELD = "withheld", "Not sent: its recipients chose their digest, or off"

    idempotency_key = models.CharField(max_length=255, unique=True)
    to = models.JSONField(help_text="List of recipient addresses")
    subject = models.CharField(max_length=255)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    template = models.CharField(max_length=100, blank=True, help_text="The template it is rendered from")
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the latest attempt claimed the row")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(
        max_length=30, blank=True, help_text="The notification kind its recipients tune; empty: not tunable"
    )
    withheld = models.JSONField(
        default=list,
        blank=True,
        help_text="Recipients not sent this one, each with why: their digest, or off (their preference)",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "outbox e-mail"
        indexes = [
            # Both pending rows and lapsed claims are re-driven by the flush scan, from this one index.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_undelivered_due",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to or [])}"
