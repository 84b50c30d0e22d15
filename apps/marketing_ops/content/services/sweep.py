"""The library's daily sweep: archive what expired, remind owners before review and expiry dates, list stale assets.

Every effect is once per key however often the sweep runs, alongside another or after one killed half-way: an
asset is archived under its lock, only from a status that can still be archived (a second sweep finds it archived
and moves on), and every e-mail is an outbox row whose idempotency key is the asset, the reminder and its date
(`content:{asset}:{reminder}:{date}`), or the day for the stale list (`content:stale:{day}`).
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.models import EmailMessage, NotificationKind, Role, User
from apps.core.services.outbox import OutgoingEmail, email_enqueue_many
from apps.marketing_ops.content.models import Asset, AssetStatus
from apps.marketing_ops.content.services import processing
from apps.marketing_ops.content.services.assets import asset_archive

logger = logging.getLogger(__name__)

REMINDER_DAYS = (14, 3)  # owners hear this many days before an asset's review-by date and its expiry date
STALE_AFTER_DAYS = 365  # marketing ops hear of assets not reviewed for this long
STALE_LIST_MAX = 200  # assets named in the stale e-mail; the rest are counted
ARCHIVABLE = [AssetStatus.DRAFT, AssetStatus.IN_REVIEW, AssetStatus.PUBLISHED]


@dataclass
class SweepResult:
    archived: int = 0
    reminders: int = 0
    stale: int = 0  # assets on today's stale list (0 when it went out earlier today or there are none)
    given_up: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def content_sweep(*, today: dt.date | None = None) -> SweepResult:
    """Run every part of the sweep for `today` (the local date in settings.TIME_ZONE by default)."""
    today = today or timezone.localdate()
    result = SweepResult()
    result.archived = _archive_expired(today)
    result.reminders = _remind_owners(today)
    result.stale = _list_stale(today)
    result.given_up = processing.version_process_give_up()
    return result


# --- archiving on the expiry day ----------------------------------------------------------------------------------


def _archive_expired(today: dt.date) -> int:
    """Archive every asset whose expiry date has come (`expires_on <= today`), each in its own transaction."""
    archived = 0
    expired = Asset.objects.filter(status__in=ARCHIVABLE, expires_on__lte=today).order_by("pk")
    for asset_id, expires_on in expired.values_list("pk", "expires_on"):
        reason = f"Expired on {date_shown(expires_on)}: archived by the daily sweep."
        archived += _archive(asset_id=asset_id, reason=reason)
    return archived


@transaction.atomic
def _archive(*, asset_id: int, reason: str) -> bool:
    """Archive one asset if it can still be archived; False when another sweep (or a person) moved it first."""
    # On PostgreSQL a second sweep waiting for this lock re-reads the row once it is free, finds it archived,
    # and gets nothing: so each archiving is counted by the one sweep that made it.
    if not Asset.objects.select_for_update().filter(pk=asset_id, status__in=ARCHIVABLE).exists():
        return False
    asset_archive(asset_id=asset_id, actor=None, reason=reason)
    return True


# --- reminders to owners ------------------------------------------------------------------------------------------


def reminder_due(date: dt.date | None, today: dt.date) -> int | None:
    """Which reminder (14 or 3 days before) is due today for `date`, if any.

    Each covers a window, not a single day, so that a day the sweep did not run loses nothing: the 14-day
    reminder from 14 days before until the 3-day one takes over, that one until the day. Its key holds the date,
    so each goes once per date; a date moved later is reminded of again.
    """
    if date is None:
        return None
    days_left = (date - today).days
    if days_left <= 0:
        return None
    due = [days for days in REMINDER_DAYS if days_left <= days]
    return min(due) if due else None


def _remind_owners(today: dt.date) -> int:
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    assets = (
        Asset.objects.exclude(status=AssetStatus.ARCHIVED)
        .filter(Q(review_by__gt=today, review_by__lte=horizon) | Q(expires_on__gt=today, expires_on__lte=horizon))
        .select_related("owner")
        .order_by("pk")
    )
    emails = []
    for asset in assets:
        for what, date in (("review", asset.review_by), ("expiry", asset.expires_on)):
            days = reminder_due(date, today)
            if days is not None:
                emails.append((asset, what, days, date))
    keys = [_reminder_key(asset, what, days, date) for asset, what, days, date in emails]
    # Those sent on an earlier run today are not rendered again (the outbox would keep the first anyway).
    sent = set(EmailMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    team = None
    outgoing = []
    for (asset, what, days, date), key in zip(emails, keys, strict=True):
        if key in sent:
            continue
        to = [asset.owner.email] if asset.owner.is_active and asset.owner.email else None
        if to is None:  # an owner who left: the team that curates the library hears instead
            team = _marketing_ops_emails() if team is None else team
            to = team
        if not to:
            logger.warning("content reminder %s has nobody to go to", key)
            continue
        context = _reminder_context(asset, what, days, date, today)
        outgoing.append(
            OutgoingEmail(
                key=key, to=to, template="content_reminder", context=context, kind=NotificationKind.CONTENT_REMINDERS
            )
        )
    if outgoing:
        email_enqueue_many(outgoing)
    return len(outgoing)


def _reminder_key(asset: Asset, what: str, days: int, date: dt.date) -> str:
    return f"content:{asset.pk}:{what}-{days}:{date.isoformat()}"


def _reminder_context(asset: Asset, what: str, days: int, date: dt.date, today: dt.date) -> dict:
    days_left = (date - today).days
    return {
        "what": what,  # "review" or "expiry"
        "reminder_days": days,
        "days_left": days_left,
        "asset_id": asset.pk,
        "title": asset.title,
        "kind": asset.get_kind_display(),
        "status": asset.get_status_display(),
        "audience": asset.get_audience_display(),
        "owner": asset.owner.get_full_name() or asset.owner.username,
        "date": date.isoformat(),
        "date_shown": date_shown(date),
        "time_zone": timezone.get_current_timezone_name(),
        "link": f"/marketing/content/{asset.pk}/",
    }


# --- the stale list to marketing ops ------------------------------------------------------------------------------


def _list_stale(today: dt.date) -> int:
    """Once a day, marketing ops get the list of assets in the library not reviewed for a year (never reviewed:
    since they were created), oldest first."""
    key = f"content:stale:{today.isoformat()}"
    if EmailMessage.objects.filter(idempotency_key=key).exists():
        return 0
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=STALE_AFTER_DAYS), dt.time.min))
    stale = (
        Asset.objects.exclude(status=AssetStatus.ARCHIVED)
        .annotate(last_reviewed=Coalesce("reviewed_at", "created_at"))
        .filter(last_reviewed__lt=cutoff)
        .select_related("owner")
        .order_by("last_reviewed", "pk")
    )
    total = stale.count()
    if not total:
        return 0
    to = _marketing_ops_emails()
    if not to:
        logger.warning("content stale list: no active marketing ops user with an e-mail address")
        return 0
    rows = [
        {
            "asset_id": asset.pk,
            "title": asset.title,
            "status": asset.get_status_display(),
            "owner": asset.owner.get_full_name() or asset.owner.username,
            "last_reviewed": date_shown(timezone.localdate(asset.reviewed_at)) if asset.reviewed_at else "",
            "created": date_shown(timezone.localdate(asset.created_at)),
            "link": f"/marketing/content/{asset.pk}/",
        }
        for asset in stale[:STALE_LIST_MAX]
    ]
    context = {
        "day": today.isoformat(),
        "day_shown": date_shown(today),
        "since_shown": date_shown(cutoff.date()),
        "time_zone": timezone.get_current_timezone_name(),
        "total": total,
        "more": total - len(rows),
        "assets": rows,
        "link": "/marketing/content/",
    }
    stale = OutgoingEmail(
        key=key, to=to, template="content_stale", context=context, kind=NotificationKind.CONTENT_REMINDERS
    )
    email_enqueue_many([stale])
    return total


def _marketing_ops_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=Role.MARKETING_OPS, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def date_shown(day: dt.date) -> str:
    """A date as people read it in an e-mail: "Monday 7 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"
