"""A person's saved filters on the portal's lists: a name and the query string that reproduces the list."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedFilter(models.Model):
    """One named filter of one list (`list_name`, e.g. "leads"), private to its user. `query` is the list's query
    string without its page cursor, checked against the list's FilterSet when it is saved."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    list_name = models.CharField(max_length=40)
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "list_name", "name"]
        verbose_name = "saved filter"
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_filter_name_once_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.list_name})"
