"""A person's own settings: their time zone, and (with it, on one page) their notification choices."""

from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.core.services.notifications import notification_preferences_set
from apps.core.timezones import time_zone_names


@transaction.atomic
def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Set the zone `user` sees times in; blank goes back to their territory's calendar zone.

    Refused (`invalid`, field `time_zone`): a name that is not an IANA zone.
    """
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in time_zone_names():
        raise ApplicationError(f"'{time_zone}' is not a time zone; pick one such as Europe/Berlin.", field="time_zone")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.time_zone != time_zone:
        locked.time_zone = time_zone
        locked.save(update_fields=["time_zone"])
    user.time_zone = time_zone
    return locked


@transaction.atomic
def user_settings_set(*, user: User, time_zone: str, notification_choices: dict[str, str]) -> None:
    """The settings page's save: the zone and every notification choice, all of them or, on a refusal, none."""
    user_time_zone_set(user=user, time_zone=time_zone)
    notification_preferences_set(user=user, choices=notification_choices)
