"""Spend postings: purchase orders, invoices (which may settle an order) and credit notes, in the company currency.

A posting locks its campaign, so that it and a cancellation, or two settlements of one order, never cross; under
that lock and in the same transaction it adds its line to the campaign's stored totals (`services.totals`), which
the pages read instead of summing the ledger; `selectors.spend_totals_mismatches` checks them against it.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.core import exchange_rates
from apps.core.currencies import ISO_4217
from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.models import User
from apps.core.services.records import text_within
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.models import Campaign, CampaignStatus, SpendEntry, SpendKind
from apps.marketing_ops.budgets.selectors import ZERO, money
from apps.marketing_ops.budgets.services.budget import as_money, watch_after_commit
from apps.marketing_ops.budgets.services.totals import count_in_totals

# What identifies a posting: the same external reference with these equal is the same posting, sent again.
SAME_POSTING = ("campaign_id", "kind", "amount", "currency", "spent_on", "is_credit_note")
VENDOR_MAX = SpendEntry._meta.get_field("vendor").max_length
DESCRIPTION_MAX = SpendEntry._meta.get_field("description").max_length


def spend_currency(value) -> str:
    currency = str(value or "").strip().upper()
    if currency not in ISO_4217:
        raise ApplicationError(f"'{value}' is not an ISO 4217 currency code (e.g. EUR, USD).", field="currency")
    return currency


def spend_vendor(value) -> str:
    return text_within(value, field="vendor", limit=VENDOR_MAX, label="The vendor's name", required="Name the vendor.")


def spend_description(value) -> str:
    return text_within(value, field="description", limit=DESCRIPTION_MAX, label="The description")


def spend_amount(value, *, is_credit_note: bool) -> Decimal:
    """A posting's amount: more than zero, or less than zero for a credit note (which must say it is one)."""
    amount = as_money(value, field="amount", negative=is_credit_note)
    if is_credit_note and amount > 0:
        raise ApplicationError("A credit note's amount is negative, e.g. -250.00.", field="amount")
    return amount


def check_campaign_takes(campaign: Campaign, *, kind: str, is_credit_note: bool, spent_on: dt.date) -> None:
    """A cancelled campaign takes only credit notes; a completed one invoices and credit notes, not new orders;
    and no campaign takes an order dated after its end (the invoices of earlier orders still post)."""
    if campaign.status == CampaignStatus.CANCELLED and not is_credit_note:
        raise ApplicationError(
            f"{campaign} is cancelled: it takes no more spend (a refund is a credit note).", field="campaign"
        )
    if campaign.status == CampaignStatus.COMPLETED and kind == SpendKind.COMMITTED:
        raise ApplicationError(f"{campaign} is completed: it takes invoices, not new orders.", field="campaign")
    if kind == SpendKind.COMMITTED and spent_on > campaign.end_date:
        raise ApplicationError(
            f"A purchase order dated {spent_on.isoformat()} is after {campaign} ended on "
            f"{campaign.end_date.isoformat()}: a commitment must fall within the campaign.",
            field="date",
            code="after_campaign_end",
        )


def credit_note_refused(campaign: Campaign, *, credit: Decimal, invoiced: Decimal) -> ApplicationError | None:
    """The error for a credit note (`credit`, negative, in the company currency) worth more than the campaign's
    invoices less its earlier credit notes (`invoiced`), or None. Actual spend below zero would mean the vendors
    owe the campaign money, which no figure here (cost per lead, ROI, burn rate) can show; a refund beyond the
    invoices is a finance matter, not a campaign's spend."""
    if invoiced + credit >= 0:
        return None
    return ApplicationError(
        f"This credit note ({money(-credit)} {settings.COMPANY_CURRENCY}) is more than {campaign} has been "
        f"invoiced net of earlier credit notes ({money(invoiced)} {settings.COMPANY_CURRENCY}): a campaign's "
        "actual spend cannot go below zero.",
        field="amount",
        code="credit_exceeds_invoices",
    )


@transaction.atomic
def spend_post(
    *,
    campaign_id: int,
    kind: str,
    vendor: str,
    spent_on: dt.date,
    amount,
    currency: str,
    description: str = "",
    is_credit_note: bool = False,
    settles_id: int | None = None,
    settles_amount=None,
    settles_in_full: bool = False,
    external_ref: str | None = None,
    source: str = SpendEntry.Source.MANUAL,
    actor: User | None = None,
    watch: bool = True,
) -> SpendEntry:
    """Post one line to a campaign's ledger, converted at the rate of its date; the watch runs after commit.

    An invoice may settle a purchase order of the same campaign: `settles_amount` of it (in the order's
    currency), all that is left with `settles_in_full`, or by default as much as the invoice when both are in
    one currency. Posting an `external_ref` again with the same content returns the first posting. `watch=False`
    leaves the watch to the caller (an import queues it once per campaign).
    """
    if kind not in SpendKind.values:
        raise ApplicationError(f"'{kind}' is not a kind of spend: committed or actual.", field="kind")
    if is_credit_note and kind != SpendKind.ACTUAL:
        raise ApplicationError("A credit note is an actual (a negative invoice), not a commitment.", field="kind")
    vendor = spend_vendor(vendor)
    description = spend_description(description)
    amount = spend_amount(amount, is_credit_note=is_credit_note)
    currency = spend_currency(currency)
    external_ref = (external_ref or "").strip() or None
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise ApplicationError(f"There is no campaign {campaign_id}.", field="campaign")
    if external_ref is not None:
        existing = SpendEntry.objects.filter(external_ref=external_ref).first()
        if existing is not None:
            return _same_posting(existing, campaign_id, kind, amount, currency, spent_on, is_credit_note)
    check_campaign_takes(campaign, kind=kind, is_credit_note=is_credit_note, spent_on=spent_on)
    rate = exchange_rates.exchange_rate(currency, spent_on)
    if is_credit_note:  # the stored totals are exact here: they change only under the lock this posting holds
        _open, invoiced = selectors.spend_totals(Campaign.objects.filter(pk=campaign.pk)).get(campaign.pk, (ZERO, ZERO))
        refused = credit_note_refused(campaign, credit=amount * rate, invoiced=invoiced)
        if refused:
            raise refused
    entry = SpendEntry(
        campaign=campaign,
        kind=kind,
        is_credit_note=is_credit_note,
        vendor=vendor,
        spent_on=spent_on,
        description=description,
        amount=amount,
        currency=currency,
        rate=rate,
        company_amount=amount * rate,
        external_ref=external_ref,
        source=source,
        created_by=actor,
    )
    if settles_id is not None:
        _settle(entry, settles_id, settles_amount, settles_in_full)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:  # the same reference posted by another request meanwhile
        raise ConflictError(f"The reference '{external_ref}' was just posted.", field="external_ref") from error
    count_in_totals(entry)
    if watch:
        watch_after_commit(campaign.pk)
    return entry


def _same_posting(existing: SpendEntry, *values) -> SpendEntry:
    if tuple(getattr(existing, name) for name in SAME_POSTING) != values:
        raise ConflictError(
            f"The reference '{existing.external_ref}' is already posted with other details "
            f"({existing.get_kind_display().lower()} of {existing.amount} {existing.currency} on {existing.spent_on}).",
            field="external_ref",
        )
    return existing


def _settle(entry: SpendEntry, commitment_id: int, settles_amount, in_full: bool) -> None:
    """Point an invoice at the order it settles and at how much of it; the order is locked while it is read."""
    if entry.kind != SpendKind.ACTUAL or entry.is_credit_note:
        raise ApplicationError("Only an invoice settles a purchase order.", field="settles")
    commitment = (
        SpendEntry.objects.select_for_update()
        .filter(pk=commitment_id, kind=SpendKind.COMMITTED, campaign_id=entry.campaign_id)
        .first()
    )
    if commitment is None:
        raise ApplicationError(f"{entry.campaign} has no purchase order {commitment_id}.", field="settles")
    remaining = selectors.commitment_remaining(commitment)
    if remaining <= 0:
        raise ApplicationError(f"Purchase order {commitment_id} is already settled in full.", field="settles")
    if in_full:
        settled = remaining
    elif settles_amount not in (None, ""):
        settled = as_money(settles_amount, field="settles_amount")
    elif commitment.currency == entry.currency:
        settled = min(entry.amount, remaining)
    else:
        raise ApplicationError(
            f"Say how much of the order (in {commitment.currency}) this {entry.currency} invoice settles.",
            field="settles_amount",
        )
    if settled > remaining:
        raise ApplicationError(
            f"Purchase order {commitment_id} has {money(remaining)} {commitment.currency} left to settle; "
            f"{money(settled)} is {money(settled - remaining)} more.",
            field="settles_amount",
        )
    entry.settles = commitment
    entry.settles_amount = settled
    entry.settled_company_amount = settled * commitment.rate
