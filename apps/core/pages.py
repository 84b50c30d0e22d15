"""What every portal page does with a service's refusal it cannot show next to a form field, and with the address
of a form that shows its page again on an error."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect

from apps.core.exceptions import ActionForbidden, ApplicationError


def page_refusal(request, error: ApplicationError) -> None:
    """A 404 when the record is not the viewer's to see, a 403 when their role may not act, else a message."""
    if error.code == "not_found":
        raise Http404(error.message)
    if isinstance(error, ActionForbidden):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def form_action(page: str):
    """For a form posted to an action address (`/leads/5/reject/`) that, on an error, shows its page again there
    with the form and the reason (a 400): POST does the work, and a GET of that address, which the browser's bar
    still shows (reloaded from the bar, bookmarked, shared), goes to `page`, the page that holds the form, with
    the same arguments, instead of a blank 405. Any other method is a 405."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(page, *args, **kwargs)
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
