"""The spend ledger: orders and the invoices that settle them, credit notes, and conversion at dated rates."""

import datetime as dt

import pytest

from apps.core.exceptions import ApplicationError, ConflictError
from apps.marketing_ops.budgets.models import CampaignStatus, SpendEntry, SpendKind
from apps.marketing_ops.budgets.selectors import campaign_budget
from apps.marketing_ops.budgets.services import budget
from tests.concurrency import run_at_once
from tests.marketing_ops.budgets.conftest import APRIL_1, D, order, post

TODAY = dt.date(2026, 4, 10)


def figures(campaign):
    return campaign_budget(campaign, today=TODAY)


# --- settlement ----------------------------------------------------------------------------------


def test_an_order_is_committed_until_an_invoice_settles_it(campaign):
    po = order(campaign, "600.00")
    assert (figures(campaign).committed, figures(campaign).actual) == (D(600), D(0))
    post(campaign, "600.00", settles_id=po.pk)
    assert (figures(campaign).committed, figures(campaign).actual) == (D(0), D(600))


def test_a_partial_invoice_releases_only_what_it_settles(campaign):
    po = order(campaign, "600.00")
    post(campaign, "250.00", settles_id=po.pk)
    result = figures(campaign)
    assert (result.committed, result.actual, result.available) == (D(350), D(250), D(400))


def test_a_final_invoice_below_the_order_may_settle_it_in_full(campaign):
    po = order(campaign, "600.00")
    invoice = post(campaign, "550.00", settles_id=po.pk, settles_in_full=True)
    assert invoice.settles_amount == D(600)
    assert (figures(campaign).committed, figures(campaign).actual) == (D(0), D(550))


def test_an_invoice_above_the_order_settles_what_is_left_and_counts_in_full(campaign):
    po = order(campaign, "600.00")
    post(campaign, "400.00", settles_id=po.pk)
    invoice = post(campaign, "300.00", settles_id=po.pk)
    assert invoice.settles_amount == D(200)
    assert (figures(campaign).committed, figures(campaign).actual) == (D(0), D(700))


def test_an_order_cannot_be_settled_beyond_what_is_left(campaign):
    po = order(campaign, "600.00")
    post(campaign, "500.00", settles_id=po.pk)
    with pytest.raises(ApplicationError, match="has 100.00 USD left to settle; 150.00 is 50.00 more") as refused:
        post(campaign, "150.00", settles_id=po.pk, settles_amount="150.00")
    assert refused.value.field == "settles_amount"
    post(campaign, "100.00", settles_id=po.pk)
    with pytest.raises(ApplicationError, match="already settled in full"):
        post(campaign, "10.00", settles_id=po.pk)
    assert SpendEntry.objects.count() == 3


def test_only_an_invoice_of_the_same_campaign_settles_an_order(campaign, envelope):
    from apps.marketing_ops.budgets.factories import CampaignFactory

    po = order(campaign, "600.00")
    with pytest.raises(ApplicationError, match="no purchase order"):
        post(CampaignFactory(envelope=envelope), "100.00", settles_id=po.pk)
    with pytest.raises(ApplicationError, match="Only an invoice settles"):
        order(campaign, "100.00", settles_id=po.pk)


def test_an_invoice_in_another_currency_says_how_much_of_the_order_it_settles(campaign, eur):
    po = order(campaign, "1000.00", currency="EUR")  # at 1.10: 1,100.00 USD committed
    with pytest.raises(ApplicationError) as refused:
        post(campaign, "540.00", settles_id=po.pk)
    assert refused.value.field == "settles_amount"
    post(campaign, "540.00", settles_id=po.pk, settles_amount="500.00")  # 500 EUR of the order, at its rate
    assert (figures(campaign).committed, figures(campaign).actual) == (D("550.00"), D("540.00"))


# --- credit notes --------------------------------------------------------------------------------


def test_a_credit_note_is_a_negative_actual_that_says_so(campaign):
    post(campaign, "500.00")
    note = post(campaign, "-120.00", is_credit_note=True, description="Clicks refunded")
    assert (note.kind, note.is_credit_note, note.company_amount) == (SpendKind.ACTUAL, True, D(-120))
    assert figures(campaign).actual == D(380)
    assert figures(campaign).available == D(620)


def test_a_negative_amount_that_is_not_a_credit_note_is_refused(campaign):
    with pytest.raises(ApplicationError, match="negative") as refused:
        post(campaign, "-120.00")
    assert refused.value.field == "amount"
    with pytest.raises(ApplicationError, match="A credit note's amount is negative"):
        post(campaign, "120.00", is_credit_note=True)
    with pytest.raises(ApplicationError, match="not a commitment"):
        order(campaign, "-120.00", is_credit_note=True)
    assert not SpendEntry.objects.exists()


# --- currencies ----------------------------------------------------------------------------------


def test_amounts_convert_at_the_newest_rate_on_or_before_their_date(campaign, eur):
    early = post(campaign, "100.00", currency="EUR", day=dt.date(2026, 4, 14))
    late = post(campaign, "100.00", currency="EUR", day=dt.date(2026, 4, 15))
    assert (early.rate, early.company_amount) == (D("1.10"), D("110.00"))
    assert (late.rate, late.company_amount) == (D("1.20"), D("120.00"))
    assert figures(campaign).actual == D("230.00")


def test_the_company_currency_needs_no_rate(campaign):
    assert post(campaign, "99.99").company_amount == D("99.99")


def test_conversion_is_exact_to_the_last_place(campaign, db):
    from apps.core.factories import ExchangeRateFactory

    ExchangeRateFactory(currency="JPY", valid_on=APRIL_1, rate=D("0.00651234"))
    entry = post(campaign, "123456.78", currency="JPY")
    entry.refresh_from_db()
    assert entry.company_amount == D("123456.78") * D("0.00651234") == D("803.9925266652")


def test_a_missing_rate_is_an_error_naming_the_currency_and_the_date(campaign, eur):
    with pytest.raises(ApplicationError) as refused:
        post(campaign, "100.00", currency="GBP", day=dt.date(2026, 4, 20))
    assert refused.value.field == "currency"
    assert "No exchange rate for GBP on 2026-04-20" in refused.value.message
    with pytest.raises(ApplicationError, match="EUR on 2026-03-31"):  # before the first EUR rate
        post(campaign, "100.00", currency="EUR", day=dt.date(2026, 3, 31))
    assert not SpendEntry.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "12,5x"}, "amount", "not an amount"),
        ({"amount": "NaN"}, "amount", "not an amount"),
        ({"amount": "1e400"}, "amount", "more than smops holds"),
        ({"amount": "10.005"}, "amount", "more than two decimal places"),
        ({"amount": "0"}, "amount", "must not be zero"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217"),
        ({"currency": ""}, "currency", "not an ISO 4217"),
        ({"vendor": " "}, "vendor", "Name the vendor"),
        ({"kind": "planned"}, "kind", "not a kind of spend"),
    ],
)
def test_bad_postings_name_the_field_and_write_nothing(campaign, fields, field, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        post(campaign, fields.pop("amount", "10.00"), **fields)
    assert refused.value.field == field
    assert not SpendEntry.objects.exists()


def test_a_cancelled_campaign_takes_no_spend_but_a_refund(campaign):
    post(campaign, "25.00")
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.CANCELLED, actor=None)
    with pytest.raises(ApplicationError, match="cancelled") as refused:
        post(campaign, "10.00")
    assert refused.value.field == "campaign"
    assert post(campaign, "-10.00", is_credit_note=True).amount == D(-10)


def test_a_completed_campaign_takes_late_invoices_but_no_new_orders(campaign):
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.COMPLETED, actor=None)
    post(campaign, "10.00")
    with pytest.raises(ApplicationError, match="not new orders"):
        order(campaign, "10.00")


def test_posting_a_reference_again_returns_the_first_posting(campaign):
    first = post(campaign, "10.00", external_ref="INV-1")
    assert post(campaign, "10.00", external_ref="INV-1") == first
    with pytest.raises(ConflictError, match="already posted with other details"):
        post(campaign, "11.00", external_ref="INV-1")
    assert SpendEntry.objects.count() == 1


def test_a_posting_queues_the_watch_for_its_campaign_after_commit(campaign, django_capture_on_commit_callbacks):
    from unittest import mock

    with mock.patch("apps.marketing_ops.budgets.tasks.budget_watch_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            post(campaign, "10.00")
        assert delay.call_args_list == [mock.call(campaign.pk)]


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_leave_the_totals_exact(on_postgres):
    from apps.marketing_ops.budgets.factories import CampaignFactory

    campaign = CampaignFactory(planned_amount=D(1000))
    amounts = ["0.01", "0.10", "1.00", "10.00", "100.00", "33.33", "66.67", "0.99"]
    results = run_at_once(lambda: [post(campaign, amount) for amount in amounts], times=6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert figures(campaign).actual == 6 * sum(D(a) for a in amounts) == D("1272.60")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_invoices_at_once_never_settle_an_order_beyond_its_amount(on_postgres):
    from apps.marketing_ops.budgets.factories import CampaignFactory

    campaign = CampaignFactory(planned_amount=D(1000))
    po = order(campaign, "600.00")
    results = run_at_once(lambda: post(campaign, "400.00", settles_id=po.pk, settles_amount="400.00"), times=2)
    assert sorted(type(r).__name__ for r in results) == ["ApplicationError", "SpendEntry"]
    assert (figures(campaign).committed, figures(campaign).actual) == (D(200), D(400))
