"""Writes of quotas: one rep's quota for a quarter, a manager's team quota, and the year's quotas from a CSV.

The import checks every row before it writes any, and writes all of them or none; a row that says what is stored
already changes nothing, so importing the same file twice leaves one set of quotas (and one history entry each).
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.core.quarters import validate_quarter
from apps.sales_ops.coverage.models import Quota, TeamQuota

REQUIRED = ("rep", "quarter", "amount")
MAX_ROWS = 50_000
MAX_ERRORS = 200
MAX_AMOUNT = Decimal("99999999999999.99")


def quota_amount(value, *, field: str = "amount") -> Decimal:
    """A quota in the company currency: a number, zero or more, at most two decimal places."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"'{value}' is not an amount such as 125000.00.", field=field, code="amount") from None
    if not amount.is_finite():
        raise ApplicationError(f"'{value}' is not an amount such as 125000.00.", field=field, code="amount")
    if amount < 0:
        raise ApplicationError("A quota cannot be negative.", field=field, code="negative")
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError("At most 14 digits and 2 decimal places.", field=field, code="amount")
    return amount.quantize(Decimal("0.01"))


def quota_quarter(value: str, *, field: str = "quarter") -> str:
    try:
        validate_quarter(value)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field=field, code="quarter") from None
    return value


@transaction.atomic
def quota_set(*, rep: User, quarter: str, amount, actor: User | None) -> Quota:
    """Set `rep`'s quota for `quarter` (a new one, or a changed amount; the same amount changes nothing)."""
    quarter, amount = quota_quarter(quarter), quota_amount(amount)
    if not rep.is_active:
        raise ApplicationError(f"{rep} is not an active user.", field="rep", code="inactive")
    quota = Quota.objects.select_for_update().filter(rep=rep, quarter=quarter).first()
    if quota is not None and quota.amount == amount:
        return quota
    quota = quota or Quota(rep=rep, quarter=quarter)
    quota.amount = amount
    quota._history_user = actor
    quota.save()
    return quota


@transaction.atomic
def team_quota_set(*, manager: User, quarter: str, amount, actor: User | None) -> TeamQuota:
    """Set a manager's team quota by hand; without one, the team's quota is the sum of its reps'."""
    quarter, amount = quota_quarter(quarter), quota_amount(amount)
    quota = TeamQuota.objects.select_for_update().filter(manager=manager, quarter=quarter).first()
    if quota is not None and quota.amount == amount:
        return quota
    quota = quota or TeamQuota(manager=manager, quarter=quarter)
    quota.amount = amount
    quota._history_user = actor
    quota.save()
    return quota


@transaction.atomic
def team_quota_clear(*, manager: User, quarter: str) -> None:
    """Back to the sum of the team's reps."""
    TeamQuota.objects.filter(manager=manager, quarter=quarter).delete()


# --- the CSV import ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self):
        return f"line {self.line}, {self.column or 'file'}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            more = f" (the first {MAX_ERRORS} shown)" if len(self.errors) >= MAX_ERRORS else ""
            return f"Nothing imported: {len(self.errors)} problem(s){more} in {self.rows} row(s)."
        verb = "Would create" if self.dry_run else "Created"
        return f"{verb} {self.created}, updated {self.updated}, left {self.unchanged} unchanged of {self.rows} row(s)."


@dataclass
class _Row:
    line: int
    rep: str
    quarter: str
    amount: Decimal
    rep_id: int | None = None


def quota_import(*, data: bytes, dry_run: bool, actor: User | None) -> ImportReport:
    """Check every row of a quota CSV (UTF-8; columns rep — username or e-mail —, quarter, amount); write all or
    none."""
    report = ImportReport(dry_run=dry_run)
    rows = _parse(data, report)
    if rows is not None:
        _check_against_database(rows, report)
    if report.ok and rows:
        _write(rows, report, actor, dry_run=dry_run)
    return report


def _error(report: ImportReport, line: int, column: str, reason: str) -> None:
    if len(report.errors) < MAX_ERRORS:
        report.errors.append(RowError(line, column, reason))


def _parse(data: bytes, report: ImportReport) -> list[_Row] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        _error(report, line, "", f"not UTF-8 text (byte 0x{data[error.start]:02x}): save the file as CSV UTF-8.")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, header, seen = [], None, {}
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                missing = [name for name in REQUIRED if name not in header]
                for name in missing:
                    _error(report, reader.line_num, name, "this column is missing from the header row.")
                if missing:
                    return None
                continue
            report.rows += 1
            if report.rows > MAX_ROWS:
                _error(report, reader.line_num, "", f"more than {MAX_ROWS} rows: split the file.")
                return None
            row = _row(dict(zip(header, cells, strict=False)), reader.line_num, report)
            if row is None:
                continue
            key = (row.rep.lower(), row.quarter)
            if key in seen:
                _error(report, row.line, "rep", f"{row.rep} has a quota for {row.quarter} on line {seen[key]} too.")
                continue
            seen[key] = row.line
            rows.append(row)
    except csv.Error as error:
        _error(report, reader.line_num, "", f"not a readable CSV row: {error}.")
        return None
    if header is None:
        _error(report, 1, "", f"the file is empty: it needs a header row ({', '.join(REQUIRED)}) and rows.")
    elif not report.rows:
        _error(report, reader.line_num, "", "the file has a header row but no quotas.")
    return rows


def _row(values: dict, line: int, report: ImportReport) -> _Row | None:
    before = len(report.errors)

    def cell(name: str) -> str:
        return (values.get(name) or "").strip()

    rep = cell("rep")
    if not rep:
        _error(report, line, "rep", "each row names a rep by username or e-mail.")
    parsed = {}
    for name, parse in (("quarter", quota_quarter), ("amount", quota_amount)):
        try:
            parsed[name] = parse(cell(name), field=name)
        except ApplicationError as error:
            _error(report, line, name, error.message)
    if len(report.errors) > before:
        return None
    return _Row(line, rep, parsed["quarter"], parsed["amount"])


def _check_against_database(rows: list[_Row], report: ImportReport) -> None:
    """Each row's rep exists, once, and is active (one query whatever the number of rows)."""
    names = {row.rep.lower() for row in rows}
    matches: dict[str, set[int]] = {}
    active: dict[int, bool] = {}
    query = Q(username__in={row.rep for row in rows}) | Q(email__in={row.rep for row in rows})
    for pk, username, email, is_active in User.objects.filter(query).values_list(
        "pk", "username", "email", "is_active"
    ):
        active[pk] = is_active
        for name in {username.lower(), (email or "").lower()} & names:
            matches.setdefault(name, set()).add(pk)
    for row in rows:
        found = matches.get(row.rep.lower(), set())
        if not found:
            _error(report, row.line, "rep", f"there is no user '{row.rep}'.")
        elif len(found) > 1:
            _error(report, row.line, "rep", f"'{row.rep}' names more than one user: use the username.")
        elif not active[next(iter(found))]:
            _error(report, row.line, "rep", f"'{row.rep}' is not an active user.")
        else:
            row.rep_id = next(iter(found))


@transaction.atomic
def _write(rows: list[_Row], report: ImportReport, actor: User | None, *, dry_run: bool) -> None:
    """Create the new quotas and update the changed ones, under lock; counts what a real run would do."""
    reps, quarters = {row.rep_id for row in rows}, {row.quarter for row in rows}
    stored = {
        (q.rep_id, q.quarter): q
        for q in Quota.objects.select_for_update().filter(rep_id__in=reps, quarter__in=quarters)
    }
    for row in rows:
        quota = stored.get((row.rep_id, row.quarter))
        if quota is not None and quota.amount == row.amount:
            report.unchanged += 1
            continue
        if quota is None:
            report.created += 1
            quota = Quota(rep_id=row.rep_id, quarter=row.quarter)
        else:
            report.updated += 1
        if not dry_run:
            quota.amount = row.amount
            quota._history_user = actor
            quota.save()
