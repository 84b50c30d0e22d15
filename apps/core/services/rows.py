"""Many rows written in one statement without a model instance each: for scans that write thousands at once."""

from collections.abc import Sequence

from django.db import connections, router


def insert_rows(model, fields: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert `rows` (tuples of values in the order of `fields`) into `model`'s table; the number inserted.

    On PostgreSQL: one `INSERT … SELECT * FROM UNNEST(…)` with one typed array per column, built from the
    values as they are, so they must be what the column stores (a key for a foreign key, an aware datetime,
    a choice's value). Elsewhere `bulk_create`. A column left out gets NULL: name every column that has a
    default in Python. Signals and `save()` are not called, as with `bulk_create`.
    The point is the cost: for a few thousand rows, building a model each and preparing every value through
    its field cost more than the INSERT itself (the SLA scan's events and notices; see `make bench`).
    """
    if not rows:
        return 0
    if any(len(row) != len(fields) for row in rows):
        raise ValueError(f"every row needs {len(fields)} values, one for each of {', '.join(fields)}")
    columns = [model._meta.get_field(name) for name in fields]
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        names = [column.attname for column in columns]  # `clock_id` for `clock`: the values are keys
        model.objects.bulk_create(model(**dict(zip(names, row, strict=True))) for row in rows)
        return len(rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(column.column) for column in columns)
    arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    values = [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM UNNEST({arrays})", values)
    return len(rows)
