"""Amounts typed by people and files: only the digits 0–9 count as digits.

Python's Decimal and int read any Unicode digit ("١٢٣" is 123), so a value that looks like nothing a person meant
would pass silently. Every amount the API, the portal forms, the admin and the imports accept is checked here.
"""

from django import forms
from django.core.exceptions import ValidationError

NON_ASCII_DIGITS = "Write the amount with the digits 0-9 (e.g. 1250.00)."


def has_non_ascii_characters(value) -> bool:
    return isinstance(value, str) and not value.isascii()


def validate_ascii_amount(value) -> None:
    """Raise Django's ValidationError for an amount written with anything but ASCII characters."""
    if has_non_ascii_characters(value):
        raise ValidationError(NON_ASCII_DIGITS, code="non_ascii_digits")


class AmountFormField(forms.DecimalField):
    """A form's DecimalField that refuses digits other than 0–9."""

    def to_python(self, value):
        validate_ascii_amount(value)
        return super().to_python(value)
