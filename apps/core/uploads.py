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


def request_limit() -> int:
    return settings.UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE


class UploadLimitMiddleware:
    """First in MIDDLEWARE: answers 413 to a body whose declared length passes the limit, without reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > request_limit():
            message = f"The upload is too large: a file may be at most {human_size(settings.UPLOAD_MAX_BYTES)}."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
