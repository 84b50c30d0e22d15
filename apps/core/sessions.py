"""Sessions as Django keeps them, except that a live part's poll does not count as someone using the portal, and
a session in use is written again at most once a minute rather than on every request."""

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers

# When the session was last written (epoch seconds), kept in the session itself.
RENEWED_AT = "_smops_renewed_at"


def mark_renewed(session) -> None:
    """Note in `session` that it is being written now (the caller saves it)."""
    session[RENEWED_AT] = int(time.time())


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, which (SESSION_SAVE_EVERY_REQUEST) pushes the idle timeout forward on every
    request, with two exceptions that leave the session and its cookie as they were:

    - a poll (`request.is_poll`, set by `apps.core.live.fragment(polled=True)`): a badge asking for itself every
      minute would otherwise keep an open, unattended page signed in for ever;
    - a request within `SESSION_RENEW_AFTER` seconds of the session's last write: the idle timeout is then
      counted from that write, so a session may end up to that much early, and a busy user's requests do not
      each write the session row (an UPDATE in a transaction of its own).
    """

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None:
            return super().process_response(request, response)
        if not session.modified and (getattr(request, "is_poll", False) or self._renewed_lately(session)):
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        if not session.is_empty():
            mark_renewed(session)
        return super().process_response(request, response)

    @staticmethod
    def _renewed_lately(session) -> bool:
        if session.is_empty():
            return False
        renewed = session.get(RENEWED_AT)
        return renewed is not None and 0 <= time.time() - renewed < settings.SESSION_RENEW_AFTER
