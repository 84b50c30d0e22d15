"""A request body over the upload limit is refused before any of it is read, on the portal and the API alike.

Django reads a request body only up to its `Content-Length` (a body sent without one is not read at all), so
checking that header before anything touches the body is enough: the answer is a 413 naming the limit, and nothing
of the body reaches memory, a temporary file or storage. Within the limit, `apps.core.files.check_upload` checks
each file's own size and type.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from apps.core.files import human_size

# Room for the multipart boundaries and the form's other fields around the file itself.
MULTIPART_ALLOWANCE = 1024 * 1024

# The content library's uploads (decks, videos) may be larger than other files: CONTENT_UPLOAD_MAX_BYTES.
CONTENT_PATHS = ("/api/v1/content/", "/marketing/content/")


def file_limit(path: str = "") -> int:
    """The largest file a request to `path` may carry: the content library's limit there, if larger."""
    if path.startswith(CONTENT_PATHS):
        return max(settings.UPLOAD_MAX_BYTES, settings.CONTENT_UPLOAD_MAX_BYTES)
    return settings.UPLOAD_MAX_BYTES


def request_limit(path: str = "") -> int:
    return file_limit(path) + MULTIPART_ALLOWANCE


class UploadLimitMiddleware:
    """First in MIDDLEWARE: answers 413 to a body whose declared length passes the limit, without reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > request_limit(request.path):
            message = f"The upload is too large: a file may be at most {human_size(file_limit(request.path))}."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
