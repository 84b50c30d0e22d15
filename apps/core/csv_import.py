"""What every CSV import shares: reading the upload, its header, and a report of bad cells by line and column.

An import owns only its row checks and its writes: it walks `CsvRows`, checks each row's cells, reports what is
wrong with `report.error(...)`, and writes nothing unless the report is ok. The spend import (marketing) and the
quota import (sales) both read files through here, so a file is refused the same way wherever it is sent.
"""

import csv
import io
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

MAX_ROWS = 50_000
MAX_ERRORS = 200

Row = TypeVar("Row")


@dataclass(frozen=True)
class RowError:
    """One problem in a file: the line a spreadsheet shows, the column (empty for the whole file), and why."""

    line: int
    column: str
    reason: str

    def __str__(self):
        return f"line {self.line}, {self.column or 'file'}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class ImportReport:
    """The outcome of one import: rows read, problems found (the first MAX_ERRORS), and the import's own counts.

    Each import subclasses it with its counts and says, in `done()`, what a run without errors did.
    """

    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str, reason: str) -> None:
        """Record a problem; past MAX_ERRORS they are counted no more, since nobody reads the 5,000th."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, column, reason))

    def summary(self) -> str:
        if self.errors:
            more = f" (the first {MAX_ERRORS} shown)" if len(self.errors) >= MAX_ERRORS else ""
            return f"Nothing imported: {len(self.errors)} problem(s){more} in {self.rows} row(s)."
        return self.done()

    def done(self) -> str:
        raise NotImplementedError


class CsvRows:
    """The rows of an uploaded CSV, as (line, {column: cell}), reporting what makes the file itself unreadable.

    UTF-8 (with or without a byte-order mark); blank lines are skipped; the first row that is not blank is the
    header (matched without case or surrounding spaces) and must name every `required` column. Lines are the ones a
    spreadsheet shows, counting blank lines and line breaks inside quoted cells. Iterated lazily, so the caller's
    row errors and these stay in file order. After iterating, `failed` is True when the file could not be read to
    its end (the caller then has no rows to check further).
    """

    def __init__(self, data: bytes, report: ImportReport, *, required: Sequence[str], noun: str):
        self.data, self.report, self.required, self.noun = data, report, tuple(required), noun
        self.failed = False

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        report = self.report
        try:
            text = self.data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = self.data[: error.start].count(b"\n") + 1
            byte = self.data[error.start]
            report.error(line, "", f"not UTF-8 text (byte 0x{byte:02x}): save the file as CSV UTF-8.")
            self.failed = True
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        header = None
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines, however many, are not rows
                if header is None:
                    header = [cell.strip().lower() for cell in cells]
                    missing = [name for name in self.required if name not in header]
                    for name in missing:
                        report.error(reader.line_num, name, "this column is missing from the header row.")
                    if missing:
                        self.failed = True
                        return
                    continue
                report.rows += 1
                if report.rows > MAX_ROWS:
                    report.error(reader.line_num, "", f"more than {MAX_ROWS} rows: split the file.")
                    self.failed = True
                    return
                yield reader.line_num, dict(zip(header, cells, strict=False))
        except csv.Error as error:
            report.error(reader.line_num, "", f"not a readable CSV row: {error}.")
            self.failed = True
            return
        if header is None:
            columns = ", ".join(self.required)
            report.error(1, "", f"the file is empty: it needs a header row ({columns}) and rows.")
        elif not report.rows:
            report.error(reader.line_num, "", f"the file has a header row but no {self.noun}.")


def parse_rows(
    data: bytes,
    report: ImportReport,
    *,
    required: Sequence[str],
    noun: str,
    parse_row: Callable[[dict[str, str], int], Row | None],
    key: Callable[[Row], Hashable],
    duplicate: Callable[[Row, int], tuple[str, str]],
) -> list[Row] | None:
    """The file's rows, each checked on its own by `parse_row(values, line)` (None for a bad row, which it reports),
    and each stated once: a row whose `key` an earlier row had is reported as `duplicate(row, earlier_line)`, a
    (column, reason) pair. None when the file could not be read to its end.
    """
    reader = CsvRows(data, report, required=required, noun=noun)
    rows, seen = [], {}
    for line, values in reader:
        row = parse_row(values, line)
        if row is None:
            continue
        if key(row) in seen:
            report.error(line, *duplicate(row, seen[key(row)]))
            continue
        seen[key(row)] = line
        rows.append(row)
    return None if reader.failed else rows
