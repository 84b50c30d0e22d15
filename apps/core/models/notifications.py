"""Who hears of what, and how: each person's choice per kind of notification, and what waits for their digest."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    """The kinds of e-mail people can tune. A message enqueued without a kind is not tunable (e.g. a digest)."""

    SLA_ALERTS = "sla_alerts", "SLA alerts (leads near or past their hand-off time)"
    APPROVALS = "approvals", "Approvals (deal requests waiting for me)"
    DECISIONS = "decisions", "Decisions (on my deal requests)"
    BUDGET_ALERTS = "budget_alerts", "Budget alerts"
    CONTENT_REMINDERS = "content_reminders", "Content reminders"
    COVERAGE_ALERTS = "coverage_alerts", "Coverage alerts"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "In my daily digest"
    OFF = "off", "Off"


class NotificationPreference(models.Model):
    """A person's choice for one kind; no row means "immediately". Which choices a role may make is the
    notifications service's rule (`notification_deliveries`), checked when the choice is made and again when
    a message is routed (a role can change after the choice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = "notification preference"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_once_per_kind"),
            models.CheckConstraint(
                condition=models.Q(delivery__in=Delivery.values), name="notification_pref_known_delivery"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} → {self.get_delivery_display()}"


class DigestEntry(models.Model):
    """One outbox message held for one person's daily digest: listed in the next digest, then pointed at it.

    Unique per person and message, so enqueuing the same alert twice holds it once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_entries")
    message = models.ForeignKey("core.EmailMessage", on_delete=models.CASCADE, related_name="digest_entries")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    digest = models.ForeignKey(
        "core.EmailMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The digest e-mail that listed it; empty while it waits",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "digest entry"
        verbose_name_plural = "digest entries"
        constraints = [models.UniqueConstraint(fields=["user", "message"], name="digest_entry_once_per_message")]
        indexes = [models.Index(fields=["user", "id"], name="digest_entry_waiting", condition=models.Q(digest=None))]

    def __str__(self):
        return f"{self.message.subject} → digest of {self.user}"
