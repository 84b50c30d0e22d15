"""Work through rows many workers may claim at once: locked batches that overlapping runs split."""

from django.db import transaction


def in_locked_batches(queryset, batch_size: int, handle, *, by_pk: bool = False) -> int:
    """`handle(rows)` over `queryset`, batch by batch, each in one transaction over rows locked SKIP LOCKED.

    Overlapping runs split the rows between them; a run killed half-way leaves its batch to the next.
    Either `handle` takes the rows out of `queryset` (marks them done), or, with `by_pk`, rows that stay
    (checked, not consumed) are walked in primary-key order, each batch after the last one's highest key.
    Returns the number of rows handled.
    """
    handled, after = 0, None
    while True:
        with transaction.atomic():
            batch = queryset if after is None else queryset.filter(pk__gt=after)
            if by_pk:
                batch = batch.order_by("pk")
            rows = list(batch.select_for_update(skip_locked=True, of=("self",))[:batch_size])
            if not rows:
                return handled
            handle(rows)
        handled += len(rows)
        if len(rows) < batch_size:
            return handled
        if by_pk:
            after = rows[-1].pk
