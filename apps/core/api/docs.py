"""The OpenAPI schema and its interactive docs: open while DEBUG (or API_DOCS_PUBLIC), else behind sign-in."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


def docs_are_public() -> bool:
    # Read per request, so the setting (or a test's override) is obeyed without reloading the URLs.
    return settings.API_DOCS_PUBLIC


class DocsAccess(BasePermission):
    message = "Sign in (session or token) to read the API schema."

    def has_permission(self, request, view):
        return docs_are_public() or bool(request.user and request.user.is_authenticated)


class SchemaApi(SpectacularAPIView):
    permission_classes = [DocsAccess]


class DocsPage(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files. Its start-up script is a second request to this page
    (`?script`), not an inline block, so the page runs under a CSP without 'unsafe-inline'."""

    permission_classes = [DocsAccess]


_docs_page = DocsPage.as_view(url_name="schema")


def docs_page(request, *args, **kwargs):
    """A person opening the docs without a session goes to the sign-in page, and comes back after."""
    if not docs_are_public() and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _docs_page(request, *args, **kwargs)
