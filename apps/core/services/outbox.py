"""The e-mail outbox: enqueue a rendered message once per key; deliver it at least once, under a stable Message-ID."""

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.models import Delivery, DigestEntry, EmailMessage
from apps.core.services.dispatch import enqueue_after_commit
from apps.core.services.notifications import Route, notification_routes

logger = logging.getLogger(__name__)

# Waits between attempts: 1, 2, 4 … minutes (settings.OUTBOX_BACKOFF_BASE_SECONDS), at most 6 hours.
BACKOFF_MAX = dt.timedelta(hours=6)
# What the flush re-drives once due: pending rows, and claims whose deliverer died mid-send.
UNDELIVERED = [EmailMessage.Status.PENDING, EmailMessage.Status.SENDING]


def email_enqueue(*, key: str, to: list[str], template: str, context: dict, kind: str = "") -> EmailMessage:
    """One outbox row per `key` for `templates/emails/<template>.{subject.txt,txt,html}` and `context`.

    Enqueuing a key that exists returns the existing row and makes no second e-mail: that is what turns
    at-least-once tasks into one message per alert (itself delivered at least once, see `email_deliver`).
    Delivery is queued after the surrounding commit. The context must be JSON (dates become ISO strings):
    the bodies are rendered from it at delivery.

    A `kind` (a `NotificationKind`) lets each recipient's preference decide: now, their daily digest, or not.
    """
    return email_enqueue_many([OutgoingEmail(key=key, to=to, template=template, context=context, kind=kind)])[key]


@dataclass(frozen=True)
class OutgoingEmail:
    key: str
    to: list[str]
    template: str
    context: dict
    kind: str = ""  # a NotificationKind: the recipients' preferences route it; empty: everyone, now


def email_enqueue_many(emails: list[OutgoingEmail]) -> dict[str, EmailMessage]:
    """`email_enqueue` for many messages in three queries, whatever their number, and one more per kind of
    notification among them (the recipients' preferences), and one to hold what some wait for in a digest."""
    from apps.core.tasks import outbox_deliver_task  # tasks import this module

    routes = _routes(emails)
    rows = [_render(email, routes.get(email.kind, {})) for email in emails]
    # A key that exists already keeps its row: the insert skips it, and the read below returns it.
    EmailMessage.objects.bulk_create(rows, ignore_conflicts=True)
    stored = {
        m.idempotency_key: m for m in EmailMessage.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows])
    }
    _hold_for_digests(stored.values())
    pending = [m.pk for m in stored.values() if m.status == EmailMessage.Status.PENDING]
    # Delivery sends only what is still pending, so queuing a row another call created is harmless.
    for pk in pending:
        enqueue_after_commit(outbox_deliver_task, pk)
    return stored


def _recipients(email: OutgoingEmail) -> list[str]:
    return sorted({address.strip() for address in email.to if address and address.strip()})


def _routes(emails: list[OutgoingEmail]) -> dict[str, dict[str, Route]]:
    """Per kind among `emails`, how each of its recipients wants it (one query per kind)."""
    addresses: dict[str, set[str]] = {}
    for email in emails:
        if email.kind:
            addresses.setdefault(email.kind, set()).update(_recipients(email))
    return {kind: notification_routes(kind=kind, addresses=found) for kind, found in addresses.items()}


def _render(email: OutgoingEmail, routes: dict[str, Route]) -> EmailMessage:
    recipients = _recipients(email)
    if not recipients:
        raise ValueError("An e-mail needs at least one recipient.")
    subject = render_to_string(f"emails/{email.template}.subject.txt", {"site_url": settings.SITE_URL, **email.context})
    now, withheld = [], []
    for address in recipients:
        route = routes.get(address.lower())
        if route is None or route.delivery == Delivery.IMMEDIATE:
            now.append(address)
        else:
            withheld.append({"to": address, "user": route.user_id, "delivery": route.delivery})
    return EmailMessage(
        idempotency_key=email.key,
        to=now,
        subject=" ".join(subject.split())[:255],
        template=email.template,
        context=email.context,
        kind=email.kind,
        withheld=withheld,
        status=EmailMessage.Status.PENDING if now else EmailMessage.Status.WITHHELD,
    )


def _hold_for_digests(messages) -> None:
    """A digest entry for each recipient a stored message was withheld from for their digest.

    Read from the stored row, not from today's preferences: a message enqueued again after someone changed
    their mind is routed as it was the first time, so nobody gets it both now and in their digest.
    """
    entries = [
        DigestEntry(user_id=item["user"], message=message, kind=message.kind, created_at=message.created_at)
        for message in messages
        for item in message.withheld
        if item["delivery"] == Delivery.DIGEST
    ]
    if entries:
        DigestEntry.objects.bulk_create(entries, ignore_conflicts=True)


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
    """Send one due message: pending, or claimed by a deliverer whose claim has lapsed. True if this call sent it.

    Delivery is at least once, never exactly once: an SMTP server may store a message and die before its
    "250", and a worker may die between the server's acceptance and the record of it. So the window is kept
    as small as it can be: the row is claimed ("sending") in a short transaction of its own, sent outside
    any transaction, and recorded sent straight after. A resend, if it comes, is the same message with the
    same `Message-ID` (derived from the idempotency key), which mail systems collapse into one.
    """
    message = _claim(message_id)
    if message is None:
        return False
    try:
        _send(message)
    except Exception as error:  # a backend failure: record it and back off
        _record_failure(message, error)
        return False
    # Whichever attempt got through ends the row: a late success also stops a retry already backing off.
    # `next_attempt_at` goes back from the claim's lapse to the send, so that a sent row holds no claim.
    now = timezone.now()
    EmailMessage.objects.filter(pk=message.pk).exclude(status=EmailMessage.Status.SENT).update(
        status=EmailMessage.Status.SENT, sent_at=now, next_attempt_at=now, last_error=""
    )
    return True


@transaction.atomic
def _claim(message_id: int) -> EmailMessage | None:
    """Lock the row if it is due, count the attempt and mark it sending until the claim lapses; None if not due.

    The bodies are rendered here, once, and kept: every attempt sends the same text.
    """
    now = timezone.now()
    message = (
        EmailMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, status__in=UNDELIVERED, next_attempt_at__lte=now)
        .first()
    )
    if message is None:
        return None
    if message.status == EmailMessage.Status.SENDING and message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        # The last attempt's deliverer never reported back: give up rather than let a message that kills
        # its worker be claimed for ever. Ops can requeue it from the admin.
        message.status = EmailMessage.Status.FAILED
        claimed = message.claimed_at.isoformat() if message.claimed_at else "?"
        message.last_error = f"Attempt {message.attempts}, claimed at {claimed}, never reported back."
        message.save(update_fields=["status", "last_error"])
        return None
    message.attempts += 1
    try:
        email_render_bodies(message)
    except Exception as error:  # a broken template: a failed attempt, not a lost message
        _failed(message, error, now)
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return None
    message.status, message.claimed_at = EmailMessage.Status.SENDING, now
    message.next_attempt_at = now + dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT)
    message.save(update_fields=["attempts", "status", "claimed_at", "next_attempt_at", "body_text", "body_html"])
    return message


def _record_failure(message: EmailMessage, error: Exception) -> None:
    """Back off, or give up after the last attempt; only while the row is still this attempt's claim."""
    _failed(message, error, timezone.now())
    EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.SENDING, attempts=message.attempts).update(
        status=message.status, last_error=message.last_error, next_attempt_at=message.next_attempt_at
    )


def _failed(message: EmailMessage, error: Exception, now: dt.datetime) -> None:
    logger.warning("Outbox message %s failed (attempt %s): %s", message.pk, message.attempts, error)
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = EmailMessage.Status.FAILED
    else:
        message.status, message.next_attempt_at = EmailMessage.Status.PENDING, now + _backoff(message.attempts)


def email_message_id(key: str) -> str:
    """The `Message-ID` of the e-mail with idempotency key `key`: the same on every attempt, unique per key.

    RFC 5322 allows only atom characters before the "@", so the key is hashed; the domain is
    `OUTBOX_MESSAGE_ID_DOMAIN`, by default that of `DEFAULT_FROM_EMAIL`.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<outbox.{digest}@{_message_id_domain()}>"


def _message_id_domain() -> str:
    domain = settings.OUTBOX_MESSAGE_ID_DOMAIN or parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    domain = domain.strip().strip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    return domain if _DOT_ATOM.fullmatch(domain) else "smops.invalid"


_DOT_ATOM = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


def _send(message: EmailMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=message.to,
        headers={"Message-ID": email_message_id(message.idempotency_key), "X-Smops-Key": message.idempotency_key},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send(fail_silently=False)


def email_due_ids(*, limit: int = 500) -> list[int]:
    """Messages whose next attempt is due, oldest first (the periodic re-drive): pending ones, and claims
    that lapsed because their deliverer died mid-send."""
    return list(
        EmailMessage.objects.filter(status__in=UNDELIVERED, next_attempt_at__lte=timezone.now())
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
