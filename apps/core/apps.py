"""The shared core: customers, pipeline, organisation, business time and the e-mail outbox."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: customers, pipeline and organisation"
