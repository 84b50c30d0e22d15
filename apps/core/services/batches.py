"""Work through rows many workers may claim at once: locked batches that overlapping runs split."""

from django.db import transaction


def in_locked_batches(queryset, batch_size: int, handle) -> int:
    """`handle(rows)` over `queryset`, batch by batch, each in one transaction over rows locked SKIP LOCKED.

    Overlapping runs split the rows between them; a run killed half-way leaves its batch to the next.
    `handle` must take the rows out of `queryset` (mark them done), or the loop would meet them again.
    Returns the number of rows handled.
    """
    handled = 0
    while True:
        with transaction.atomic():
            rows = list(queryset.select_for_update(skip_locked=True, of=("self",))[:batch_size])
            if not rows:
                return handled
            handle(rows)
        handled += len(rows)
        if len(rows) < batch_size:
            return handled
