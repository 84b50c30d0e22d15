"""The portal's live parts (htmx, vendored under smops/static/smops/vendor/): the rule every fragment view keeps, and
core's own fragment, the nav's counts.

A page fetches a fragment and swaps it in place. The same address asked without htmx (a bookmark, a browser without
script) sends the person to the full page that shows the same thing, so nobody lands on a bare fragment; without
script that page is all there is, and it is complete.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def fragment(full_page: Callable[..., str], *, polled: bool = False):
    """Make a view that answers htmx with a fragment; `full_page(request, **kwargs)` is where any other request goes.

    A signed-out person's fetch is answered before the view runs. A poll (`polled`, e.g. `hx-trigger="every 60s"`)
    gets 204, which htmx leaves unswapped: the page keeps what it shows until the next page asks to sign in, and no
    form half-filled on it is lost. A fetch the person made sends the whole page to sign in (HX-Redirect) rather than
    a sign-in form into a table cell. A signed-in poll leaves the session's idle timeout where it was
    (`apps.core.sessions`): only a person's own requests keep them signed in. The answer varies on HX-Request, so
    that no cache hands a fragment to a page load or a page to htmx.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.htmx:
                response = redirect(full_page(request, *args, **kwargs))
            elif request.user.is_authenticated:
                request.is_poll = polled
                response = view(request, *args, **kwargs)
            elif polled:
                response = HttpResponse(status=204)
            else:
                back = request.htmx.current_url_abs_path or full_page(request, *args, **kwargs)
                response = HttpResponseClientRedirect(redirect_to_login(back).url)
            patch_vary_headers(response, ("HX-Request",))
            return response

        return wrapper

    return decorate


@fragment(lambda request: reverse("sales_ops:deal_inbox"), polled=True)
def nav_counts(request):
    """The nav's Approvals count alone, as every page draws it (`templates/_nav_approvals.html`, from the
    `nav_counts` context processor): one query. Without htmx: the inbox the count stands for."""
    return render(request, "_nav_approvals.html")
