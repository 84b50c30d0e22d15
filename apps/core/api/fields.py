"""Serializer fields shared by every API: amounts written only with the digits 0–9."""

from django.db import models
from rest_framework import serializers

from apps.core.amounts import NON_ASCII_DIGITS, has_non_ascii_characters


class AmountField(serializers.DecimalField):
    """DRF's DecimalField, refusing "١٢٣" and other digits a person did not mean as 123."""

    default_error_messages = {"non_ascii_digits": NON_ASCII_DIGITS}

    def to_internal_value(self, data):
        if has_non_ascii_characters(data):
            self.fail("non_ascii_digits")
        return super().to_internal_value(data)


# For a ModelSerializer: `serializer_field_mapping = AMOUNT_FIELD_MAPPING` makes its money fields AmountFields.
AMOUNT_FIELD_MAPPING = {**serializers.ModelSerializer.serializer_field_mapping, models.DecimalField: AmountField}
