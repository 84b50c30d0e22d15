"""The shared core: customers, pipeline, organisation, business time and the e-mail outbox."""

from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: customers, pipeline and organisation"

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.core import (
            permissions,  # noqa: F401  (registers the rules behind user.has_perm)
            receivers,
        )
        from apps.core.roles import roles_sync

        # Permissions exist only after migrate has run, so the role groups are brought in step then.
        post_migrate.connect(roles_sync, sender=self)
        # The database cache's table is not a model: created here, every `migrate` (tests' included) has it.
        post_migrate.connect(receivers.cache_table_create, sender=self)
        checks.register(_company_currency_check)


def _company_currency_check(app_configs, **kwargs):
    from django.conf import settings

    from apps.core.currencies import ISO_4217

    if settings.COMPANY_CURRENCY not in ISO_4217:
        return [
            checks.Error(f"COMPANY_CURRENCY '{settings.COMPANY_CURRENCY}' is not an ISO 4217 code.", id="smops.E501")
        ]
    return []
