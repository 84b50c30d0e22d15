"""The OpenAPI schema's one place for what every operation can answer besides its success: the error statuses.

drf-spectacular describes the success of each operation from its serializers; the refusals come from one exception
handler (`apps.core.api.errors`), the authentication and permission classes, the filters and the pagination, so
they are added here by the kind of operation, not by decorating each view:

| status | when | shape |
| --- | --- | --- |
| 400 | a write (its body, or a move the domain refuses), a list with filters (a filter value) | `ValidationError` |
| 401 | any operation that needs a signed-in user, called without one | `ErrorDetail` |
| 403 | the same, by someone who may not (a role, a move not theirs, a missing CSRF token) | `ValidationError` |
| 404 | a route with an id (unknown, or not yours to see), a paginated list (a cursor that is not one) | `ErrorDetail` |
| 409 | a write, when the record moved on meanwhile (`ConflictError`) | `ValidationError` |

`tests/core/test_schema.py` holds the schema to what the API answers.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework.permissions import AllowAny

from apps.core.api.errors import ERROR_DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ErrorResponsesAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each kind of operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (description, schema) in self._error_responses().items():
            if code not in responses:
                response = self._get_response_for_code(self._component(*schema), code, direction=direction)
                responses[code] = {**response, "description": description}
        return responses

    def _error_responses(self) -> dict:
        validation = ("ValidationError", VALIDATION_ERROR_SCHEMA)
        detail = ("ErrorDetail", ERROR_DETAIL_SCHEMA)
        errors = {}
        is_write = self.method in WRITE_METHODS
        if is_write or self._get_filter_parameters():
            errors["400"] = ("Refused: a value in the body or a filter, or the move itself; by field.", validation)
        if not self._is_public():
            errors["401"] = ("Not signed in: send a token (`Authorization: Token …`) or a session.", detail)
            errors["403"] = ("Signed in, but not allowed to do this.", validation)
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            errors["404"] = ("Not found: no such record, one you may not see, or a cursor that is not one.", detail)
        if is_write and not self._is_public():
            errors["409"] = ("The record moved on meanwhile (someone else changed it first): look again.", validation)
        return errors

    def _is_public(self) -> bool:
        permissions = getattr(self.view, "permission_classes", ())
        return all(permission is AllowAny for permission in permissions)

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref


class UserWrittenByIdFieldExtension(OpenApiSerializerFieldExtension):
    """A user field that takes an id and answers with the user's brief: an integer in, a `UserBrief` out."""

    target_class = "apps.core.api.serializers.UserWrittenByIdField"

    def map_serializer_field(self, auto_schema, direction):
        from apps.core.api.serializers import UserBriefSerializer

        if direction == "request":
            return build_basic_type(OpenApiTypes.INT)
        return auto_schema.resolve_serializer(UserBriefSerializer, direction).ref
