"""The shared core: customers, pipeline, organisation, business time and the e-mail outbox."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: customers, pipeline and organisation"

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.core.roles import roles_sync

        # Permissions exist only after migrate has run, so the role groups are brought in step then.
        post_migrate.connect(roles_sync, sender=self)
