"""Saving and removing a person's named filters on a portal list."""

from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.core.models import SavedFilter, User

# Enough for the views anyone keeps; past it the menu stops being one.
MAX_PER_LIST = 20


@transaction.atomic
def saved_filter_save(*, user: User, list_name: str, name: str, query: str) -> SavedFilter:
    """Save `query` under `name` on `list_name` for `user`; a name already used is overwritten (it is theirs)."""
    name = name.strip()
    if not name:
        raise ApplicationError("Give the filter a name.", field="name", code="required")
    if len(name) > SavedFilter._meta.get_field("name").max_length:
        raise ApplicationError("A filter's name is at most 60 characters.", field="name", code="max_length")
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        raise ApplicationError("These filters are too long to save.", field="query", code="max_length")
    mine = SavedFilter.objects.select_for_update().filter(user=user, list_name=list_name)
    existing = mine.filter(name=name).first()
    if existing is None and mine.count() >= MAX_PER_LIST:
        raise ApplicationError(
            f"You keep {MAX_PER_LIST} saved filters on this list already; remove one first.",
            field="name",
            code="too_many",
        )
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    return SavedFilter.objects.create(user=user, list_name=list_name, name=name, query=query)


def saved_filter_delete(*, user: User, saved_filter_id: int) -> None:
    """Remove one of `user`'s own saved filters; anyone else's is not found."""
    deleted, _ = SavedFilter.objects.filter(pk=saved_filter_id, user=user).delete()
    if not deleted:
        raise ApplicationError("That saved filter does not exist.", code="not_found")
