"""The Celery application: configured from Django settings (namespace CELERY), tasks found in each app
and each of its capabilities."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smops.settings")

app = Celery("smops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _capability_packages() -> list[str]:
    """Each ops app keeps its tasks in its capability folders (`apps/sales_ops/sla/tasks.py` …)."""
    from django.apps import apps

    return [f"{app.name}.{name}" for app in apps.get_app_configs() for name in getattr(app, "capabilities", ())]


app.autodiscover_tasks(_capability_packages)


@worker_ready.connect
def _first_heartbeat(sender, **kwargs):
    """A heartbeat as soon as the worker takes tasks, so /healthz/ need not wait for beat's first minute."""
    from apps.core.services.health import worker_heartbeat_record  # models load after Django is set up

    try:
        worker_heartbeat_record(worker=sender.hostname)
    except Exception:  # a database not ready yet must not stop the worker; beat's heartbeat follows
        logging.getLogger(__name__).warning("Could not record the worker's first heartbeat", exc_info=True)
