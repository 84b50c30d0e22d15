"""The daily digest: one e-mail per person listing every message they chose to get in their digest."""

import datetime as dt
import logging

from django.db import transaction

from apps.core.models import DigestEntry, EmailMessage, NotificationKind, User
from apps.core.services.outbox import email_enqueue, email_render_bodies
from apps.core.timezones import email_time, user_time_zone

logger = logging.getLogger(__name__)


def digest_key(*, user_id: int, day: dt.date) -> str:
    """The outbox key of a person's digest of `day`: the key is what makes it one e-mail per person per day."""
    return f"digest:{user_id}:{day.isoformat()}"


def notification_digests_send(*, day: dt.date) -> int:
    """Send today's digest to everyone with something waiting; returns how many digests were enqueued.

    Once per person per day: the digest's outbox key is the person and the day, so a second run the same day
    finds the key taken and leaves what arrived since for tomorrow's. Overlapping runs split the people
    (each person's entries are locked with SKIP LOCKED).
    """
    waiting = DigestEntry.objects.filter(digest__isnull=True).values_list("user_id", flat=True).distinct()
    return sum(_send_one(user_id=user_id, day=day) for user_id in sorted(set(waiting)))


@transaction.atomic
def _send_one(*, user_id: int, day: dt.date) -> int:
    key = digest_key(user_id=user_id, day=day)
    if EmailMessage.objects.filter(idempotency_key=key).exists():
        return 0
    entries = list(
        DigestEntry.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(user_id=user_id, digest__isnull=True)
        .select_related("message")
        .order_by("id")
    )
    user = User.objects.select_related("territory__calendar").get(pk=user_id)
    if not entries or not user.is_active or not user.email:
        return 0  # someone who left, or has no address: their entries stay, listed if they come back
    zone = user_time_zone(user)
    items = [_item(entry, zone) for entry in entries]
    digest = email_enqueue(
        key=key,
        to=[user.email],
        template="digest",
        context={
            "name": user.first_name or user.username,
            "day": f"{day:%a} {day.day} {day:%b %Y}",
            "items": items,
            "count": len(items),
            "time_zone": zone.key,
        },
    )
    DigestEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(digest=digest)
    return 1


def _item(entry: DigestEntry, zone) -> dict:
    message = entry.message
    try:
        email_render_bodies(message)
        body = message.body_text.strip()
    except Exception:  # a broken template: list the subject rather than lose the whole digest
        logger.exception("Digest entry %s: the message's body could not be rendered", entry.pk)
        body = ""
    return {
        "kind": NotificationKind(entry.kind).label if entry.kind in NotificationKind.values else entry.kind,
        "subject": message.subject,
        "at": email_time(entry.created_at, zone),
        "body": body,
    }
