"""One exception handler: domain errors, model validation and database range errors become 4xx."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
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
            detail = {exc.field: [exc.message]} if exc.field else {"detail": exc.message, "code": exc.code}
        return Response(detail, status=exc.status_code)
    if isinstance(exc, RecursionError):
        # A body nested past what Python's JSON parser holds, reaching a view that kept DRF's own parser
        # (apps.core.api.parsers.JSONParser refuses it everywhere else with the same words).
        return Response({"detail": JSONParser.too_deep()}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold (an id beyond 64 bits, say): the input is at fault.
        return Response({"detail": "A value in the request is out of range."}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
