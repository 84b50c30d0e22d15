"""Small helpers the record services share: validate fully, then save only what changed."""

from django.core.exceptions import ValidationError
from django.db import models

from apps.core.exceptions import ApplicationError


def validated_save(instance: models.Model) -> models.Model:
    """`full_clean()` then save; a model ValidationError becomes an ApplicationError naming the field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise as_application_error(error) from error
    # clean() may normalise fields the caller did not touch (a domain, an e-mail): save the whole row.
    instance.save()
    return instance


def apply_changes(instance: models.Model, data: dict, editable: tuple[str, ...]) -> models.Model:
    unknown = set(data) - set(editable)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    if not changed:
        return instance
    for name in changed:
        setattr(instance, name, data[name])
    return validated_save(instance)


def as_application_error(error: ValidationError) -> ApplicationError:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.error_dict.items()))
        message = " ".join(m for e in messages for m in e.messages)
        app_error = ApplicationError(message, field=None if field == "__all__" else field)
        app_error.detail = {f: [m for e in errs for m in e.messages] for f, errs in error.error_dict.items()}
        return app_error
    return ApplicationError(" ".join(error.messages))


def too_long_message(label: str, limit: int, length: int | None = None) -> str:
    """How every form, serializer and service says a text is too long: the field and its limit, never a cut."""
    has = f"; this one has {length:,}" if length is not None else ""
    return f"{label} may be at most {limit:,} characters{has}."


def text_within(value, *, field: str, limit: int, label: str, required: str = "") -> str:
    """Free text as a person typed it (trimmed, line ends as `\\n`), refused past `limit` characters, never cut.

    `required`, when given, is the error for a blank value. The error names `field`, for the form or the API.
    """
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ApplicationError(required, field=field)
    if len(text) > limit:
        raise ApplicationError(too_long_message(label, limit, len(text)), field=field, code="too_long")
    return text
