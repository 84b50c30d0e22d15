"""What the append-only records of every capability share."""

from django.core.exceptions import ValidationError
from django.db import models


class ImmutableRecord(models.Model):
    """A record of what happened: written once, never edited or deleted (the admin shows it read-only)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"A {self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"A {self._meta.verbose_name} cannot be deleted.")
