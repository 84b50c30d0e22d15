"""Sign-in backend of smops: Django's ModelBackend, loading the request's user with what every page asks of them."""

from django.contrib.auth.backends import ModelBackend

from apps.core.models import User


class UserBackend(ModelBackend):
    """Loads the signed-in user with their territory and its calendar in the same query: every page names the
    viewer's time zone, which falls back to that calendar's (`apps/core/timezones.py`)."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("territory__calendar").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
