"""Writes of quotas: one rep's quota for a quarter, a manager's team quota, and the year's quotas from a CSV.

The import checks every row before it writes any, and writes all of them or none; a row that says what is stored
already changes nothing, so importing the same file twice leaves one set of quotas (and one history entry each).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from apps.core.csv_import import ImportReport, parse_rows
from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.core.quarters import validate_quarter
from apps.sales_ops.coverage.models import Quota, TeamQuota

REQUIRED = ("rep", "quarter", "amount")
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


@dataclass
class QuotaImportReport(ImportReport):
    """What a quota import found, and what it wrote (or, in a dry run, would write)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def done(self) -> str:
        verb = "Would create" if self.dry_run else "Created"
        return f"{verb} {self.created}, updated {self.updated}, left {self.unchanged} unchanged of {self.rows} row(s)."


@dataclass
class _Row:
    line: int
    rep: str
    quarter: str
    amount: Decimal
    rep_id: int | None = None


def quota_import(*, data: bytes, dry_run: bool, actor: User | None) -> QuotaImportReport:
    """Check every row of a quota CSV (UTF-8; columns rep — username or e-mail —, quarter, amount); write all or
    none."""
    report = QuotaImportReport(dry_run=dry_run)
    rows = _parse(data, report)
    if rows is not None:
        _check_against_database(rows, report)
    if report.ok and rows:
        _write(rows, report, actor, dry_run=dry_run)
    return report


def _parse(data: bytes, report: QuotaImportReport) -> list[_Row] | None:
    return parse_rows(
        data,
        report,
        required=REQUIRED,
        noun="quotas",
        parse_row=lambda values, line: _row(values, line, report),
        key=lambda row: (row.rep.lower(), row.quarter),
        duplicate=lambda row, first: ("rep", f"{row.rep} has a quota for {row.quarter} on line {first} too."),
    )


def _row(values: dict, line: int, report: QuotaImportReport) -> _Row | None:
    before = len(report.errors)

    def cell(name: str) -> str:
        return (values.get(name) or "").strip()

    rep = cell("rep")
    if not rep:
        report.error(line, "rep", "each row names a rep by username or e-mail.")
    parsed = {}
    for name, parse in (("quarter", quota_quarter), ("amount", quota_amount)):
        try:
            parsed[name] = parse(cell(name), field=name)
        except ApplicationError as error:
            report.error(line, name, error.message)
    if len(report.errors) > before:
        return None
    return _Row(line, rep, parsed["quarter"], parsed["amount"])


def _check_against_database(rows: list[_Row], report: QuotaImportReport) -> None:
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
            report.error(row.line, "rep", f"there is no user '{row.rep}'.")
        elif len(found) > 1:
            report.error(row.line, "rep", f"'{row.rep}' names more than one user: use the username.")
        elif not active[next(iter(found))]:
            report.error(row.line, "rep", f"'{row.rep}' is not an active user.")
        else:
            row.rep_id = next(iter(found))


@transaction.atomic
def _write(rows: list[_Row], report: QuotaImportReport, actor: User | None, *, dry_run: bool) -> None:
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
