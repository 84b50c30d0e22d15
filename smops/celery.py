"""The Celery application: configured from Django settings (namespace CELERY), tasks found in each app
and each of its capabilities."""

import gc
import logging
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

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


@worker_process_init.connect
def _freeze_what_is_loaded(**kwargs):
    """As gunicorn.conf.py does for the web workers: what the worker process has loaded stays out of the garbage
    collector's full walks, which the SLA scan's thousands of rows would otherwise trigger over all of it."""
    gc.freeze()
