"""The finance import: a CSV of spend, every row checked before any is posted, and nothing posted if one is bad.

Each row carries finance's reference (`external_ref`): a row already posted with the same details is skipped,
so importing the same file twice posts it once; the same reference with other details is a bad row.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from apps.core import exchange_rates
from apps.core.csv_import import ImportReport, RowError, parse_rows
from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.marketing_ops.budgets.models import Campaign, SpendEntry, SpendKind
from apps.marketing_ops.budgets.selectors import money, spend_totals
from apps.marketing_ops.budgets.services.budget import as_money, watch_after_commit
from apps.marketing_ops.budgets.services.spend import (
    SAME_POSTING,
    check_campaign_takes,
    credit_note_refused,
    spend_amount,
    spend_currency,
    spend_description,
    spend_post,
    spend_vendor,
)

REQUIRED = ("external_ref", "campaign", "kind", "vendor", "date", "amount", "currency")
OPTIONAL = ("description", "credit_note", "settles", "settles_amount")
_YES, _NO = {"yes", "y", "true", "1"}, {"", "no", "n", "false", "0"}


@dataclass
class SpendImportReport(ImportReport):
    """What a spend import found, and what it posted (or, in a dry run, would post)."""

    to_post: int = 0
    already_posted: int = 0
    posted: int = 0

    def done(self) -> str:
        verb = "Would post" if self.dry_run else "Posted"
        count = self.to_post if self.dry_run else self.posted
        return f"{verb} {count} of {self.rows} row(s); {self.already_posted} already posted before."


@dataclass
class _Row:
    line: int
    ref: str
    campaign_id: int
    kind: str
    vendor: str
    spent_on: dt.date
    amount: Decimal
    currency: str
    description: str
    is_credit_note: bool
    settles: str
    settles_amount: Decimal | None
    new: bool = True  # False when the same posting is in the ledger already


def spend_import(*, data: bytes, dry_run: bool, actor: User | None) -> SpendImportReport:
    """Check every row of a spend CSV (UTF-8, a header row naming the columns); post them all or none."""
    report = SpendImportReport(dry_run=dry_run)
    rows = _parse(data, report)
    if rows is not None:
        _check_against_database(rows, report)
    if not report.ok or dry_run:
        return report
    try:
        _post(rows, report, actor)
    except _RowFailed as failure:  # a row that changed under us after the checks (a race): nothing stays
        report.errors.append(failure.error)
        report.posted = 0
    return report


def _parse(data: bytes, report: SpendImportReport) -> list[_Row] | None:
    return parse_rows(
        data,
        report,
        required=REQUIRED,
        noun="rows of spend",
        parse_row=lambda values, line: _row(values, line, report),
        key=lambda row: row.ref,
        duplicate=lambda row, first: ("external_ref", f"'{row.ref}' is also on line {first}."),
    )


def _row(values: dict, line: int, report: SpendImportReport) -> _Row | None:
    """One row's cells parsed and checked on their own; each bad cell is reported, and the row is None."""
    errors_before = len(report.errors)

    def cell(name: str) -> str:
        return (values.get(name) or "").strip()

    def check(name: str, parse):
        try:
            return parse(cell(name))
        except ApplicationError as error:
            report.error(line, name, error.message)
        except ValueError as error:
            report.error(line, name, str(error))
        return None

    ref = cell("external_ref")
    if not ref or len(ref) > 100:
        report.error(line, "external_ref", "each row needs finance's reference (at most 100 characters).")
    campaign_id = check("campaign", _campaign_id)
    kind = check("kind", _kind)
    vendor = check("vendor", spend_vendor)
    description = check("description", spend_description)
    spent_on = check("date", _date)
    is_credit_note = check("credit_note", _yes_no)
    amount = check("amount", lambda value: spend_amount(value, is_credit_note=bool(is_credit_note)))
    currency = check("currency", spend_currency)
    settles_amount = check("settles_amount", lambda value: as_money(value, field="settles_amount") if value else None)
    if is_credit_note and kind == SpendKind.COMMITTED:
        report.error(line, "credit_note", "a credit note is an actual (a negative invoice), not a commitment.")
    if cell("settles") and (kind != SpendKind.ACTUAL or is_credit_note):
        report.error(line, "settles", "only an invoice settles a purchase order.")
    if len(report.errors) > errors_before:
        return None
    return _Row(
        line,
        ref,
        campaign_id,
        kind,
        vendor,
        spent_on,
        amount,
        currency,
        description,
        bool(is_credit_note),
        cell("settles"),
        settles_amount,
    )


def _campaign_id(value: str) -> int:
    if not value.isdigit() or int(value) > 2**63 - 1:
        raise ValueError(f"'{value}' is not a campaign id (a whole number).")
    return int(value)


def _kind(value: str) -> str:
    if value.lower() not in SpendKind.values:
        raise ValueError(f"'{value}' is not a kind of spend: committed or actual.")
    return value.lower()


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a date such as 2026-04-30.") from None


def _yes_no(value: str) -> bool:
    if value.lower() not in _YES | _NO:
        raise ValueError(f"'{value}' is neither yes nor no.")
    return value.lower() in _YES


def _check_against_database(rows: list[_Row], report: SpendImportReport) -> None:
    """What a row needs from the database: its campaign, a rate, a fresh reference, an order it may settle.

    Read in a fixed number of queries, whatever the number of rows.
    """
    if not rows:
        return
    campaigns = Campaign.objects.in_bulk({row.campaign_id for row in rows})
    rates = exchange_rates.RateBook(
        {row.currency for row in rows}, min(r.spent_on for r in rows), max(r.spent_on for r in rows)
    )
    refs = {row.ref for row in rows} | {row.settles for row in rows if row.settles}
    posted = {entry.external_ref: entry for entry in SpendEntry.objects.filter(external_ref__in=refs)}
    in_file = {row.ref: row for row in rows}
    settled = _already_settled([entry for entry in posted.values() if entry.kind == SpendKind.COMMITTED])
    # Each campaign's invoiced total as the rows before this one leave it: a credit note may not take it below 0.
    actual = {pk: totals[1] for pk, totals in spend_totals(Campaign.objects.filter(pk__in=campaigns)).items()}
    for row in rows:
        campaign = campaigns.get(row.campaign_id)
        if campaign is None:
            report.error(row.line, "campaign", f"there is no campaign {row.campaign_id}.")
            continue
        if row.ref in posted:
            existing = posted[row.ref]
            same = tuple(getattr(existing, name) for name in SAME_POSTING) == (
                row.campaign_id,
                row.kind,
                row.amount,
                row.currency,
                row.spent_on,
                row.is_credit_note,
            )
            if same:
                report.already_posted += 1
                row.new = False
            else:
                report.error(row.line, "external_ref", f"'{row.ref}' is already posted with other details.")
            continue
        try:
            check_campaign_takes(campaign, kind=row.kind, is_credit_note=row.is_credit_note, spent_on=row.spent_on)
        except ApplicationError as error:
            report.error(row.line, error.field or "campaign", error.message)
            continue
        if rates.rate(row.currency, row.spent_on) is None:
            report.error(row.line, "currency", exchange_rates.missing_rate(row.currency, row.spent_on).message)
            continue
        if row.settles and not _settlement_fits(row, in_file, posted, settled, report):
            continue
        if row.kind == SpendKind.ACTUAL:
            company_amount = row.amount * rates.rate(row.currency, row.spent_on)
            before = actual.get(campaign.pk, Decimal(0))
            refused = row.is_credit_note and credit_note_refused(campaign, credit=company_amount, invoiced=before)
            if refused:
                report.error(row.line, refused.field, refused.message)
                continue
            actual[campaign.pk] = before + company_amount
        report.to_post += 1


def _already_settled(orders: list[SpendEntry]) -> dict[int, Decimal]:
    rows = SpendEntry.objects.filter(settles__in=orders).values("settles_id").annotate(total=Sum("settles_amount"))
    return {row["settles_id"]: row["total"] for row in rows.order_by()}


def _settlement_fits(row: _Row, in_file: dict, posted: dict, settled: dict, report: SpendImportReport) -> bool:
    """The order exists (in the file or posted), is the same campaign's, and has enough left to settle."""
    order = in_file.get(row.settles) or posted.get(row.settles)
    if order is None or order.kind != SpendKind.COMMITTED:
        report.error(row.line, "settles", f"no purchase order '{row.settles}' in the file or posted.")
        return False
    if order.campaign_id != row.campaign_id:
        report.error(row.line, "settles", f"purchase order '{row.settles}' is another campaign's.")
        return False
    key = ("file", row.settles) if row.settles in in_file else order.pk
    remaining = order.amount - settled.get(key, Decimal(0))
    amount = row.settles_amount
    if amount is None:
        if order.currency != row.currency:
            report.error(row.line, "settles_amount", f"say how much of the order (in {order.currency}) it settles.")
            return False
        amount = min(row.amount, remaining)
    if amount <= 0 or amount > remaining:
        report.error(row.line, "settles_amount", f"the order has {money(remaining)} {order.currency} left to settle.")
        return False
    settled[key] = settled.get(key, Decimal(0)) + amount
    row.settles_amount = amount
    return True


class _RowFailed(Exception):
    def __init__(self, error: RowError):
        self.error = error


@transaction.atomic
def _post(rows: list[_Row], report: SpendImportReport, actor: User | None) -> None:
    """Post the new rows, orders before the invoices that settle them; any failure rolls all of them back."""
    orders = SpendEntry.objects.filter(external_ref__in=[row.settles for row in rows if row.settles])
    ids: dict[str, int] = dict(orders.values_list("external_ref", "pk"))
    touched = set()
    for row in sorted((row for row in rows if row.new), key=lambda row: (row.kind != SpendKind.COMMITTED, row.line)):
        try:
            entry = spend_post(
                campaign_id=row.campaign_id,
                kind=row.kind,
                vendor=row.vendor,
                spent_on=row.spent_on,
                amount=row.amount,
                currency=row.currency,
                description=row.description,
                is_credit_note=row.is_credit_note,
                settles_id=ids.get(row.settles) if row.settles else None,
                settles_amount=row.settles_amount,
                external_ref=row.ref,
                source=SpendEntry.Source.IMPORT,
                actor=actor,
                watch=False,
            )
        except ApplicationError as error:
            raise _RowFailed(RowError(row.line, error.field or "", error.message)) from error
        ids[row.ref] = entry.pk
        touched.add(entry.campaign_id)
    report.posted = report.to_post
    watch_after_commit(*sorted(touched))
