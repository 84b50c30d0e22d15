"""Sessions as Django keeps them, except that a live part's poll does not count as someone using the portal."""

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, which (SESSION_SAVE_EVERY_REQUEST) pushes the idle timeout forward on every request;
    a poll (`request.is_poll`, set by `apps.core.live.fragment(polled=True)`) leaves the session and its cookie as they
    were. A badge asking for itself every minute would otherwise keep an open, unattended page signed in for ever."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if getattr(request, "is_poll", False) and session is not None and not session.modified:
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)
