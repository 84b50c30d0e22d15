"""The portal's record lists, built one way for every model: the model's FilterSet (the same one its API uses),
a sort chosen from the list's own offer, keyset pages, a CSV of the whole filtered list, and bulk moves that run
each row through its service.

A list is a `RecordList` declared by the app that owns the model; `apps/core/list_views.py` serves any of them.
"""

import base64
import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet

from apps.core.exceptions import ApplicationError

PAGE_SIZE = 50
# The count a list shows stops here ("10,000+ leads"): counting a million rows per page view is not worth it.
COUNT_CAP = 10_000
# Bulk moves run one service call per row, each in its own transaction: past this many, filter first.
BULK_LIMIT = 200
# Cells a spreadsheet would run as a formula are written with a leading apostrophe (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sort:
    """One way a list may be sorted: a label for the menu and the ordering (non-null fields; the key is added).

    Each sort has an index on its fields and the key (the models' `*_keyset` indexes), so a page is an index range
    at any depth; a sort across a join (by the account's name on the lead list) has none and is not offered.
    """

    label: str
    ordering: tuple[str, ...]


@dataclass(frozen=True)
class BulkAction:
    """A move offered on the list's selected rows. `allowed(user)` decides whether the button is shown at all
    (apps/core/permissions.py); `run(row, user, data)` calls the service for one row and returns what it did, in
    words; `form` (optional) asks for what the move needs (an owner, a reason) before it runs."""

    label: str
    allowed: Callable[[Any], bool]
    run: Callable[[Any, Any, dict], str]
    form: Callable[..., Any] | None = None


@dataclass
class RecordList:
    """What a portal list is: its name (the saved filters' key), title, rows, filters, sorts, CSV and bulk moves."""

    name: str
    title: str
    noun: str
    url_name: str
    queryset: Callable[[Any], QuerySet]
    filterset_class: type
    sorts: dict[str, Sort]
    default_sort: str
    columns: tuple[str, ...]
    rows_template: str
    csv_fields: tuple[tuple[str, str], ...]
    empty: str
    # The filters the page shows first; the FilterSet's others fold under "More filters", except `id_filters`
    # (an account's or a contact's id, reached by links), which the page keeps without showing.
    primary_filters: tuple[str, ...] = ("q",)
    id_filters: tuple[str, ...] = ()
    bulk_actions: dict[str, BulkAction] = field(default_factory=dict)
    # Widgets for the page's form only (the API reads the same filters from the query string): e.g. an owner
    # chosen by name rather than typed as an id. Called with the viewer.
    page_widgets: Callable[[Any], dict] | None = None
    # Turns a page of rows into what the template shows (e.g. amounts in the company currency).
    decorate: Callable[[list], list] | None = None
    # Who may open the list at all (apps/core/permissions.py); anyone else is refused with `refusal` (a 403).
    # Unset: everyone signed in, each seeing what `queryset(user)` gives them.
    may_view: Callable[[Any], bool] | None = None
    refusal: str = "This list is not open to your role."
    # A template shown above the filters (quick links, a "New" button), with what `intro_context(request)` adds.
    intro_template: str | None = None
    intro_context: Callable[[Any], dict] | None = None

    def offered_actions(self, user) -> dict[str, BulkAction]:
        return {key: action for key, action in self.bulk_actions.items() if action.allowed(user)}


# --- sorting and keyset pages -----------------------------------------------------------------------------------


def _refuse(message: str, field: str) -> ApplicationError:
    """A sort or a page cursor the list does not offer: a 400 naming the parameter."""
    return ApplicationError(message, field=field, code=f"invalid_{field}")


def ordering_for(record_list: RecordList, sort_key: str | None) -> tuple[str, list[str]]:
    """The chosen sort's key and its full ordering, the primary key last in the direction of the sort's last
    field so that every row has one place. A sort the list does not offer is a 400 naming the ones it does."""
    key = sort_key or record_list.default_sort
    if key not in record_list.sorts:
        offered = ", ".join(record_list.sorts)
        raise _refuse(f"“{key}” is not a sort this list offers; choose one of: {offered}.", "sort")
    ordering = list(record_list.sorts[key].ordering)
    ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
    return key, ordering


def cursor_for(values: list) -> str:
    """The signed page cursor for the row whose ordering values (the key last) are `values`."""
    raw = json.dumps(values, cls=DjangoJSONEncoder, separators=(",", ":"))
    return signing.Signer(salt="smops.lists.cursor").sign(base64.urlsafe_b64encode(raw.encode()).decode())


def _unsign(cursor: str, width: int) -> list:
    try:
        raw = signing.Signer(salt="smops.lists.cursor").unsign(cursor)
        values = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise _refuse("This page link is not valid; start again from the first page.", "cursor") from error
    if not isinstance(values, list) or len(values) != width:
        raise _refuse("This page link belongs to another sort; start again from the first page.", "cursor")
    return values


def _value_of(row, path: str):
    value = row
    for part in path.split("__"):
        value = getattr(value, "pk" if part == "pk" else part)
    return value


def _beyond(ordering: list[str], values: list, *, backwards: bool) -> Q:
    """Rows after (`backwards`: before) the row whose ordering values are `values`: the keyset condition
    `(a > x) OR (a = x AND b > y) OR …`, each comparison in its field's direction."""
    # The first field's bound, implied by the OR below but stated on its own so that the database starts its
    # index scan at the cursor instead of walking (and filtering) every row before it.
    first, first_descending = ordering[0].lstrip("-"), ordering[0].startswith("-") != backwards
    bound = Q(**{f"{first}__{'lte' if first_descending else 'gte'}": values[0]})
    condition = Q(pk__in=[])
    for i, term in enumerate(ordering):
        name = term.lstrip("-")
        descending = term.startswith("-") != backwards
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for earlier, value in zip(ordering[:i], values[:i], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return bound & condition


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool


def keyset_page(queryset: QuerySet, ordering: list[str], *, after: str = "", before: str = "", size: int = PAGE_SIZE):
    """One page of `queryset` in `ordering`, after (or before) the row a cursor names: an index range, never an
    OFFSET, so the thousandth page costs what the first does. Cursors are signed, so a forged one is a 400."""
    names = [term.lstrip("-") for term in ordering]
    if before:
        flipped = [term[1:] if term.startswith("-") else f"-{term}" for term in ordering]
        found = list(queryset.filter(_beyond(ordering, _unsign(before, len(names)), backwards=True))
                     .order_by(*flipped)[: size + 1])  # fmt: skip
        more_before = len(found) > size
        rows = list(reversed(found[:size]))
        is_first = not more_before
        has_next = True
    else:
        if after:
            queryset = queryset.filter(_beyond(ordering, _unsign(after, len(names)), backwards=False))
        found = list(queryset.order_by(*ordering)[: size + 1])
        has_next = len(found) > size
        rows = found[:size]
        is_first = not after
    return KeysetPage(
        rows=rows,
        next_cursor=cursor_for([_value_of(rows[-1], n) for n in names]) if rows and has_next else None,
        previous_cursor=cursor_for([_value_of(rows[0], n) for n in names]) if rows and not is_first else None,
        is_first=is_first,
    )


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """How many rows, counting at most COUNT_CAP (and whether there are more)."""
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


# --- CSV ---------------------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer then yields lines, not buffers."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return "" if value is None else value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """A CSV as lines, for a StreamingHttpResponse: plain machine values (ISO dates, codes, unformatted numbers),
    formula-looking text neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow(list(header))
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def csv_rows(record_list: RecordList, queryset: QuerySet, ordering: list[str]) -> Iterator[str]:
    """The whole filtered list, in its sort, read in chunks (a million rows never sit in memory)."""
    header = [name for name, _ in record_list.csv_fields]
    lookups = [lookup for _, lookup in record_list.csv_fields]
    rows = queryset.order_by(*ordering).values_list(*lookups).iterator(chunk_size=2000)
    return csv_lines(header, rows)
