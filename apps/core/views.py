"""Portal pages of core."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.core import selectors


@login_required
def home(request):
    """One home page whose panels follow the user's role: own work, team, or the whole pipeline.

    An app adds panels of its own through its AppConfig's `home_panels(user)` (a list of (template, context)),
    so that core shows them without importing the app.
    """
    panels = []
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "home_panels"):
            panels.extend(app_config.home_panels(request.user))
    return render(request, "core/home.html", {**selectors.home_summary(user=request.user), "panels": panels})
