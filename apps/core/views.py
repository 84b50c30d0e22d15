"""Portal pages of core."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from apps.core import selectors
from apps.core.exceptions import ApplicationError
from apps.core.forms import NotificationPreferencesForm
from apps.core.services import notifications


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


@login_required
def notification_settings(request):
    """Each kind of e-mail: immediately, in the daily digest, or off where the role allows. Saved, it redirects
    back here (post/redirect/get); refused, it shows the form again at this address with the reason."""
    user, status = request.user, 200
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST)
        if form.is_valid():
            try:
                notifications.notification_preferences_set(user=user, choices=form.cleaned_data)
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Your notification choices are saved.")
                return redirect("notification_settings")
        status = 400
    else:
        form = NotificationPreferencesForm(initial=notifications.notification_preferences(user=user))
    rows = [
        {
            "field": form[kind],
            "allowed": notifications.notification_deliveries(user=user, kind=kind),
            "why": notifications.MANDATORY_WHY.get(kind, ""),
        }
        for kind in form.fields
    ]
    return render(request, "core/notifications.html", {"form": form, "rows": rows}, status=status)
