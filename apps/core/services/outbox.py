"""The e-mail outbox: enqueue a rendered message once per key; deliver pending rows with backoff."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.models import EmailMessage

logger = logging.getLogger(__name__)

# Waits between attempts: 1, 2, 4 … minutes (settings.OUTBOX_BACKOFF_BASE_SECONDS), at most 6 hours.
BACKOFF_MAX = dt.timedelta(hours=6)


def email_enqueue(*, key: str, to: list[str], template: str, context: dict) -> EmailMessage:
    """One outbox row per `key` for `templates/emails/<template>.{subject.txt,txt,html}` and `context`.

    Enqueuing a key that exists returns the existing row and sends nothing more: that is what turns
    at-least-once tasks into exactly-once e-mails. Delivery is queued after the surrounding commit. The
    context must be JSON (dates become ISO strings): the bodies are rendered from it at delivery.
    """
    return email_enqueue_many([OutgoingEmail(key=key, to=to, template=template, context=context)])[key]


@dataclass(frozen=True)
class OutgoingEmail:
    key: str
    to: list[str]
    template: str
    context: dict


def email_enqueue_many(emails: list[OutgoingEmail]) -> dict[str, EmailMessage]:
    """`email_enqueue` for many messages in three queries, whatever their number; rows by key."""
    from apps.core.tasks import outbox_deliver_task  # tasks import this module

    rows = [_render(email) for email in emails]
    # A key that exists already keeps its row: the insert skips it, and the read below returns it.
    EmailMessage.objects.bulk_create(rows, ignore_conflicts=True)
    stored = {
        m.idempotency_key: m for m in EmailMessage.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows])
    }
    pending = [m.pk for m in stored.values() if m.status == EmailMessage.Status.PENDING]
    # Delivery sends only what is still pending, so queuing a row another call created is harmless.
    transaction.on_commit(lambda: [outbox_deliver_task.delay(pk) for pk in pending])
    return stored


def _render(email: OutgoingEmail) -> EmailMessage:
    recipients = sorted({address.strip() for address in email.to if address and address.strip()})
    if not recipients:
        raise ValueError("An e-mail needs at least one recipient.")
    subject = render_to_string(f"emails/{email.template}.subject.txt", {"site_url": settings.SITE_URL, **email.context})
    return EmailMessage(
        idempotency_key=email.key,
        to=recipients,
        subject=" ".join(subject.split())[:255],
        template=email.template,
        context=email.context,
    )


def email_render_bodies(message: EmailMessage) -> None:
    """Fill the text and HTML bodies from the message's template and context (once; kept on the row)."""
    if message.body_text or not message.template:
        return
    context = {"site_url": settings.SITE_URL, **message.context}
    message.body_text = render_to_string(f"emails/{message.template}.txt", context)
    message.body_html = render_to_string(f"emails/{message.template}.html", context)


def _backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=settings.OUTBOX_BACKOFF_BASE_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def email_deliver(*, message_id: int) -> bool:
    """Send one pending, due message. True if it was sent by this call.

    The row stays locked while the backend sends, so two deliverers never send it twice; a deliverer that
    dies mid-send rolls back and leaves the row pending for the next scan.
    """
    with transaction.atomic():
        message = (
            EmailMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=EmailMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            email_render_bodies(message)
            _send(message)
        except Exception as error:  # a backend failure or a broken template: record it and back off
            logger.warning("Outbox message %s failed (attempt %s): %s", message.pk, message.attempts, error)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = EmailMessage.Status.FAILED
            else:
                message.next_attempt_at = timezone.now() + _backoff(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        message.status, message.sent_at, message.last_error = EmailMessage.Status.SENT, timezone.now(), ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error", "body_text", "body_html"])
        return True


def _send(message: EmailMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=message.to,
        headers={"X-Smops-Key": message.idempotency_key},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send(fail_silently=False)


def email_due_ids(*, limit: int = 500) -> list[int]:
    """Pending messages whose next attempt is due, oldest first (the periodic re-drive)."""
    return list(
        EmailMessage.objects.filter(status=EmailMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def email_retry(*, message_id: int) -> EmailMessage:
    """Ops put a failed message back in the queue (admin action)."""
    message = EmailMessage.objects.select_for_update().get(pk=message_id)
    if message.status == EmailMessage.Status.FAILED:
        message.status, message.attempts, message.next_attempt_at = EmailMessage.Status.PENDING, 0, timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
    return message
