"""WSGI entry point (gunicorn smops.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smops.settings")
application = get_wsgi_application()
