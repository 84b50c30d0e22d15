"""Portal pages of core."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.core import selectors


@login_required
def home(request):
    """One home page whose panels follow the user's role: own work, team, or the whole pipeline."""
    return render(request, "core/home.html", selectors.home_summary(user=request.user))
