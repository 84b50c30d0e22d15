"""Time zones: the one place that says in which zone a person sees times, and which zone names are valid.

A person's zone is the one they chose (`User.time_zone`); blank, it is their territory's business calendar zone
(where their working day is counted), and `settings.TIME_ZONE` for anyone without a territory.
`UserTimeZoneMiddleware` below turns it on for each page, so pages and templates never ask again; e-mails, written
outside any request, ask `user_time_zone` (or `zones_by_address`) for their recipient.
"""

import datetime as dt
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the choices a person picks from); not the tz database's
    placeholders, which name no place ("Factory", and the system's own "localtime")."""
    return tuple(sorted(zoneinfo.available_timezones() - {"Factory", "localtime"}))


def validate_time_zone(name: str) -> None:
    """Refuse a name that is not an IANA time zone (blank is allowed: it means "my territory's")."""
    if name and name not in time_zone_names():
        raise ValidationError(f"'{name}' is not a time zone; pick one such as Europe/Berlin.", code="invalid")


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def user_time_zone(user) -> zoneinfo.ZoneInfo:
    """The IANA zone `user`'s pages and e-mails show times in (no query when `territory__calendar` was joined in,
    as the sign-in backend does for the request's user)."""
    return _zone(getattr(user, "time_zone", "")) or default_time_zone(user)


def default_time_zone(user) -> zoneinfo.ZoneInfo:
    """The zone of someone who chose none: their territory's calendar's, else `settings.TIME_ZONE`."""
    territory = getattr(user, "territory", None) if getattr(user, "territory_id", None) else None
    return (_zone(territory.calendar.timezone) if territory is not None else None) or site_time_zone()


def site_time_zone() -> zoneinfo.ZoneInfo:
    """`settings.TIME_ZONE`: the zone of the company's own dates (the content library's "today", delegations)."""
    return _zone(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def site_today() -> dt.date:
    """Today in `settings.TIME_ZONE`, whoever is signed in: for rules that must not move with the viewer's zone."""
    return timezone.localdate(timezone=site_time_zone())


def zones_by_address(addresses) -> dict[str, zoneinfo.ZoneInfo]:
    """Each address's (lower-cased) person's zone, for e-mails written to addresses (one query). An address that
    is nobody's is left out: the sender falls back to its own zone."""
    from django.db.models.functions import Lower

    from apps.core.models import User  # the models import this module

    lowered = {address.lower() for address in addresses if address}
    people = (
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=lowered, is_active=True)
        .select_related("territory__calendar")
        .order_by("pk")
    )
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for person in people:
        zones.setdefault(person.address, user_time_zone(person))
    return zones


def email_time(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """How an e-mail writes a moment: "Mon 3 Jun, 14:00 CEST", in the recipient's zone (named in the e-mail)."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b, %H:%M} {local.tzname()}"


class UserTimeZoneMiddleware:
    """After sign-in: every page (the admin's too) shows times in the signed-in user's zone, for the whole request.

    Not the API: it speaks ISO 8601 in `settings.TIME_ZONE` to every client alike, whether it signed in by
    session or by token (a token's user is known only inside the API view).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.path_info.startswith(API_PREFIX) or user is None or not user.is_authenticated:
            return self.get_response(request)
        with timezone.override(user_time_zone(user)):
            return self.get_response(request)


API_PREFIX = "/api/"
