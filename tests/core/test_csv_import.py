"""The CSV reading every import shares: what makes a file unreadable, and where the report says it is."""

from dataclasses import dataclass

from apps.core import csv_import
from apps.core.csv_import import CsvRows, ImportReport


@dataclass
class Report(ImportReport):
    def done(self) -> str:
        return "done"


def read(data: bytes) -> tuple[list, Report, CsvRows]:
    report = Report(dry_run=True)
    reader = CsvRows(data, report, required=("name", "amount"), noun="things")
    return list(reader), report, reader


def errors(report: Report) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in report.errors]


def test_rows_come_with_their_spreadsheet_line_and_cells_by_column():
    rows, report, reader = read(b'\xef\xbb\xbf Name ,AMOUNT,extra\n\n\nana,10,x\n , \n"b\nc",20\n')
    assert rows == [(4, {"name": "ana", "amount": "10", "extra": "x"}), (7, {"name": "b\nc", "amount": "20"})]
    assert report.ok and report.rows == 2 and not reader.failed


def test_a_bad_byte_is_named_with_its_line():
    rows, report, reader = read(b"name,amount\nana,10\nb\xe9n,20\n")
    assert rows == [] and reader.failed
    assert errors(report) == [(3, "")]
    assert "0xe9" in report.errors[0].reason


def test_each_missing_column_is_named_on_the_header_line():
    rows, report, reader = read(b"\nnom,montant\nana,10\n")
    assert rows == [] and reader.failed
    assert errors(report) == [(2, "name"), (2, "amount")]


def test_an_empty_file_and_a_header_without_rows_are_refused():
    _, empty, _ = read(b"\n \n")
    _, header_only, reader = read(b"name,amount\n\n")
    assert [e.reason for e in empty.errors] == ["the file is empty: it needs a header row (name, amount) and rows."]
    assert [e.reason for e in header_only.errors] == ["the file has a header row but no things."]
    assert not reader.failed  # a readable file, only with nothing in it


def test_an_unreadable_row_stops_the_file_after_the_rows_before_it():
    # a cell past the csv module's field limit (131,072 characters) is a row it cannot read
    rows, report, reader = read(b"name,amount\nana,10\nben," + b"9" * 200_000 + b"\n")
    assert [line for line, _ in rows] == [2] and reader.failed
    assert errors(report) == [(3, "")]
    assert report.errors[0].reason.startswith("not a readable CSV row")


def test_too_many_rows_stop_the_file(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    rows, report, reader = read(b"name,amount\na,1\nb,2\nc,3\nd,4\n")
    assert len(rows) == 2 and reader.failed
    assert [str(e) for e in report.errors] == ["line 4, file: more than 2 rows: split the file."]


def test_errors_are_capped_and_the_summary_says_so(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ERRORS", 3)
    report = Report(dry_run=False, rows=9)
    for line in range(2, 7):
        report.error(line, "amount", "not an amount")
    assert errors(report) == [(2, "amount"), (3, "amount"), (4, "amount")]
    assert report.summary() == "Nothing imported: 3 problem(s) (the first 3 shown) in 9 row(s)."
    assert Report(dry_run=False).summary() == "done"


def test_a_row_stated_twice_is_reported_on_its_second_line_and_dropped():
    report = Report(dry_run=True)
    rows = csv_import.parse_rows(
        b"name,amount\nana,1\nbad,\nAna,2\n",
        report,
        required=("name", "amount"),
        noun="things",
        parse_row=lambda values, line: values if values["amount"] else report.error(line, "amount", "missing"),
        key=lambda values: values["name"].lower(),
        duplicate=lambda values, first: ("name", f"also on line {first}"),
    )
    assert rows == [{"name": "ana", "amount": "1"}]
    assert [str(e) for e in report.errors] == ["line 3, amount: missing", "line 4, name: also on line 2"]
