"""The viewer's time zone: the one place pages ask in which zone to show a time.

Users have no time zone of their own yet: until they do, a user's zone is their territory's business calendar
zone (where their working day is counted), and `settings.TIME_ZONE` for anyone without a territory.
"""

import zoneinfo

from django.conf import settings


def user_time_zone(user) -> zoneinfo.ZoneInfo:
    """The IANA zone `user`'s pages show times in (no query when `territory__calendar` was joined in)."""
    territory = getattr(user, "territory", None) if getattr(user, "territory_id", None) else None
    name = territory.calendar.timezone if territory is not None else settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
