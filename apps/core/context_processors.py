"""Template context every portal page shares: the nav's live counts (each app adding its own), the time zone."""

from django.apps import apps
from django.utils import timezone


def nav_counts(request) -> dict:
    """What the nav shows beside its links (e.g. `approvals_waiting`), for a signed-in user.

    An app adds counts through its AppConfig's `nav_counts(user)` (a dict of name -> lazy value), so that core's
    base template shows them without importing the app. The values are lazy: a page that does not draw the nav
    (the admin, an e-mail, a JSON answer) runs no query for them.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts: dict = {}
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "nav_counts"):
            counts.update(app_config.nav_counts(user))
    return counts


def time_zone(request) -> dict:
    """`time_zone`: the name of the zone this page's times are in (the viewer's, made current by
    `apps.core.timezones.UserTimeZoneMiddleware`), for `core/_time_zone.html` to name. No query."""
    return {"time_zone": timezone.get_current_timezone_name()}
