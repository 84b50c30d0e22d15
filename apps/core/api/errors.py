"""One exception handler: domain errors, model validation and database range errors become 4xx."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.api.parsers import JSONParser
from apps.core.exceptions import ApplicationError
from apps.core.services.records import as_application_error


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = as_application_error(exc)
    if isinstance(exc, ApplicationError):
        detail = getattr(exc, "detail", None)
        if detail is None:
            # The code beside the field's messages too: a client tells "duplicate" from "too_large" without parsing
            # the words (the schema's ValidationError allows a top-level `code`).
            detail = (
                {exc.field: [exc.message], "code": exc.code} if exc.field else {"detail": exc.message, "code": exc.code}
            )
        return Response(detail, status=exc.status_code)
    if isinstance(exc, RecursionError):
        # A body nested past what Python's JSON parser holds, reaching a view that kept DRF's own parser
        # (apps.core.api.parsers.JSONParser refuses it everywhere else with the same words).
        return Response({"detail": JSONParser.too_deep()}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold (an id beyond 64 bits, say): the input is at fault.
        return Response({"detail": "A value in the request is out of range."}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def not_found(request, exception):
    """Django's 404 (no route matches, e.g. an id that is not a number), in the API's own shape under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


# The shapes the handler above (and DRF's own) answer with, as the schema documents them (apps.core.api.schema).
ERROR_DETAIL_SCHEMA = {
    "type": "object",
    "description": "One message for the whole request.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable name for the refusal, when the domain gives one"},
    },
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Either `detail` (with a `code`) for the request as a whole, or the messages of each input at fault under its "
        "name (`non_field_errors` for several together); a nested input has its own messages nested the same way."
    ),
    "properties": {
        "detail": {"type": "string"},
        # the refusal's name beside `detail`; or the messages of an input that is itself called `code` (a territory's)
        "code": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}
