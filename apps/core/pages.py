"""What every portal page does with a service's refusal it cannot show next to a form field."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.core.exceptions import ActionForbidden, ApplicationError


def page_refusal(request, error: ApplicationError) -> None:
    """A 404 when the record is not the viewer's to see, a 403 when their role may not act, else a message."""
    if error.code == "not_found":
        raise Http404(error.message)
    if isinstance(error, ActionForbidden):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
