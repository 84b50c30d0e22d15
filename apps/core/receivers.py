"""Security housekeeping hung on Django's own signals: API tokens end when their person's password or
active flag changes (on every path: admin, portal, shell, `changepassword`), and the cache table exists after
every migrate. Neither is domain flow; both must happen whoever makes the change."""

from django.core.management import call_command
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from apps.core.models import User
from apps.core.services.tokens import api_tokens_revoke_all

WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="core.user_tokens_note_changes")
def _note_credential_changes(sender, instance: User, update_fields=None, raw=False, **kwargs):
    instance._tokens_revoke_reason = None
    if raw or instance._state.adding or (update_fields is not None and not WATCHED & set(update_fields)):
        return  # a new user has no tokens; a last_login stamp changes nothing that matters here
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["is_active"] and not instance.is_active:
        instance._tokens_revoke_reason = "account deactivated"
    elif before["password"] != instance.password:
        instance._tokens_revoke_reason = "password changed"


@receiver(post_save, sender=User, dispatch_uid="core.user_tokens_revoke")
def _revoke_tokens_after_credential_change(sender, instance: User, **kwargs):
    reason = getattr(instance, "_tokens_revoke_reason", None)
    if reason:
        api_tokens_revoke_all(user_id=instance.pk, reason=reason)
        instance._tokens_revoke_reason = None


def cache_table_create(using: str, **kwargs) -> None:
    """post_migrate: the database cache's table (throttle counters), on every database that is migrated."""
    call_command("createcachetable", database=using, verbosity=0)
