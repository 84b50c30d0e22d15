"""The Celery application: configured from Django settings (namespace CELERY), tasks found in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smops.settings")

app = Celery("smops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
