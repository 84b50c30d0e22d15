"""The stored spend totals: every way spend is written keeps them equal to the ledger summed again, a mismatch
is reported with both sides, and a rebuild repairs it."""

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.exceptions import ApplicationError
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import Campaign, CampaignSpendTotals, CampaignStatus, SpendEntry
from apps.marketing_ops.budgets.services import spend_import as spend_import_module
from apps.marketing_ops.budgets.services.spend_import import spend_import
from apps.marketing_ops.budgets.services.totals import spend_totals_rebuild
from tests.concurrency import run_at_once
from tests.marketing_ops.budgets.conftest import D, order, post


@pytest.fixture
def in_april():
    """Inside the campaigns' April: the watch that follows a posting would complete a campaign already ended."""
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


def stored(campaign) -> tuple:
    """(committed, actual) as stored; (0, 0) without a row."""
    return selectors.spend_totals(Campaign.objects.filter(pk=campaign.pk)).get(campaign.pk, (D(0), D(0)))


def assert_exact(*campaigns) -> None:
    """The stored totals of `campaigns` are their ledgers summed again, and no campaign anywhere is off."""
    for campaign in campaigns:
        pk = campaign.pk
        ledger = selectors.spend_totals_recomputed(Campaign.objects.filter(pk=pk)).get(pk, (D(0), D(0)))
        assert stored(campaign) == ledger
    assert selectors.spend_totals_mismatches() == []


# --- the services ----------------------------------------------------------------------------------


def test_orders_invoices_settlements_and_credit_notes_add_up_as_the_ledger_does(campaign, eur):
    assert stored(campaign) == (D(0), D(0))
    po = order(campaign, "1000.00", currency="EUR")  # 1,100.00 at 1.10
    assert stored(campaign) == (D("1100.00"), D(0))
    post(campaign, "600.00", currency="EUR", day=dt.date(2026, 4, 20), settles_id=po.pk)  # 720 at 1.20, settles 660
    assert stored(campaign) == (D("440.00"), D("720.00"))
    post(campaign, "-50.00", is_credit_note=True)
    post(campaign, "250.00")
    assert stored(campaign) == (D("440.00"), D("920.00"))
    post(campaign, "10.00", currency="EUR", day=dt.date(2026, 4, 20), settles_id=po.pk, settles_in_full=True)
    assert stored(campaign) == (D(0), D("932.00"))
    assert_exact(campaign)


def test_a_refused_posting_leaves_the_totals_as_they_were(campaign):
    post(campaign, "100.00")
    with pytest.raises(ApplicationError) as refused:
        post(campaign, "-100.01", is_credit_note=True)
    assert refused.value.code == "credit_exceeds_invoices"
    assert stored(campaign) == (D(0), D("100.00"))
    assert SpendEntry.objects.count() == 1
    assert_exact(campaign)


def test_a_reference_posted_again_counts_once(campaign):
    post(campaign, "40.00", external_ref="INV-9")
    post(campaign, "40.00", external_ref="INV-9")
    assert stored(campaign) == (D(0), D("40.00"))
    assert_exact(campaign)


def test_a_cancelled_campaign_keeps_its_totals_and_takes_credit_notes(campaign):
    from apps.marketing_ops.budgets.services import budget

    post(campaign, "300.00")
    budget.campaign_move(campaign_id=campaign.pk, status=CampaignStatus.CANCELLED, actor=None)
    post(campaign, "-300.00", is_credit_note=True)
    assert stored(campaign) == (D(0), D(0))
    assert_exact(campaign)


def test_each_campaign_keeps_its_own_totals(campaign, envelope):
    other = CampaignFactory(envelope=envelope, planned_amount=D(100))
    order(campaign, "70.00")
    post(other, "30.00")
    assert (stored(campaign), stored(other)) == ((D(70), D(0)), (D(0), D(30)))
    assert_exact(campaign, other)


# A posting: (kind, amount in cents, EUR or USD, settle the first open order with it).
POSTINGS = st.lists(
    st.tuples(st.sampled_from(["order", "invoice", "credit"]), st.integers(1, 500_00), st.booleans(), st.booleans()),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings=POSTINGS)
def test_any_sequence_of_postings_keeps_the_totals_exact(envelope, eur, postings):
    campaign = CampaignFactory(envelope=envelope, planned_amount=D(100))
    orders = []
    for kind, cents, in_eur, settle in postings:
        amount, currency = D(cents) / 100, "EUR" if in_eur else "USD"
        try:
            if kind == "order":
                orders.append(order(campaign, str(amount), currency=currency))
            elif kind == "credit":
                post(campaign, str(-amount), currency=currency, is_credit_note=True)
            elif settle and orders:
                post(campaign, str(amount), currency=currency, settles_id=orders[0].pk, settles_in_full=True)
            else:
                post(campaign, str(amount), currency=currency)
        except ApplicationError:  # refused (a credit note beyond the invoices, an order settled already): no change
            pass
        assert_exact(campaign)


# --- the finance import --------------------------------------------------------------------------

HEADER = "external_ref,campaign,kind,vendor,date,amount,currency,credit_note,settles\n"


def spend_csv(campaign, *rows: str) -> bytes:
    return (HEADER + "".join(row.format(c=campaign.pk) + "\n" for row in rows)).encode()


def good(campaign) -> bytes:
    return spend_csv(
        campaign,
        "PO-1,{c},committed,Expo,2026-04-02,1000.00,EUR,,",
        "INV-1,{c},actual,Expo,2026-04-20,600.00,EUR,no,PO-1",
        "CN-1,{c},actual,Search Co,2026-04-21,-50.00,USD,yes,",
    )


def test_an_import_adds_its_rows_once_however_often_it_is_sent(campaign, eur):
    assert spend_import(data=good(campaign), dry_run=True, actor=None).ok
    assert stored(campaign) == (D(0), D(0))
    assert spend_import(data=good(campaign), dry_run=False, actor=None).posted == 3
    assert stored(campaign) == (D("440.00"), D("670.00"))
    assert spend_import(data=good(campaign), dry_run=False, actor=None).posted == 0
    assert stored(campaign) == (D("440.00"), D("670.00"))
    assert_exact(campaign)


def test_an_import_that_fails_while_posting_leaves_no_totals_behind(campaign, eur):
    real, calls = spend_import_module.spend_post, []

    def fails_on_the_third(**kwargs):
        calls.append(kwargs["external_ref"])
        if len(calls) == 3:
            raise ApplicationError("The campaign was cancelled meanwhile.", field="campaign")
        return real(**kwargs)

    with mock.patch.object(spend_import_module, "spend_post", fails_on_the_third):
        report = spend_import(data=good(campaign), dry_run=False, actor=None)
    assert not report.ok and report.posted == 0
    assert "cancelled meanwhile" in report.errors[0].reason
    assert not SpendEntry.objects.exists()
    assert not CampaignSpendTotals.objects.exists()


# --- the API and the admin -----------------------------------------------------------------------


def test_spend_posted_through_the_api_is_counted(api, marketing_ops, campaign, eur):
    response = api.as_user(marketing_ops).post(
        "/api/v1/spend/",
        {"campaign": campaign.pk, "kind": "committed", "vendor": "Expo", "date": "2026-04-02", "amount": "100.00",
         "currency": "EUR"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert stored(campaign) == (D("110.00"), D(0))
    assert_exact(campaign)


def test_a_posting_in_the_admin_is_counted_once_though_its_form_rehearses_it(client, marketing_ops, campaign):
    client.force_login(marketing_ops)
    form = {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "spent_on": "2026-04-02", "currency": "USD"}
    response = client.post(reverse("admin:marketing_ops_spendentry_add"), {**form, "amount": "5.00"})
    assert response.status_code == 302
    refused = client.post(reverse("admin:marketing_ops_spendentry_add"), {**form, "amount": "-6.00",
                                                                         "is_credit_note": "on"})  # fmt: skip
    assert refused.status_code == 200
    assert stored(campaign) == (D(0), D("5.00"))
    assert_exact(campaign)


def test_an_import_in_the_admin_is_counted(client, marketing_ops, campaign, eur):
    client.force_login(marketing_ops)
    upload = io.BytesIO(good(campaign))
    upload.name = "spend.csv"
    client.post(reverse("admin:marketing_ops_spendentry_import"), {"file": upload, "import": "1"})
    assert stored(campaign) == (D("440.00"), D("670.00"))
    assert_exact(campaign)


def test_nobody_deletes_a_line_of_the_ledger_in_the_admin(client, admin_user, campaign):
    entry = post(campaign, "5.00")
    client.force_login(admin_user)
    response = client.post(reverse("admin:marketing_ops_spendentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert SpendEntry.objects.filter(pk=entry.pk).exists()
    assert stored(campaign) == (D(0), D("5.00"))


# --- the check and the repair ------------------------------------------------------------------


def test_a_mismatch_is_reported_with_both_sides_and_a_rebuild_repairs_it(campaign, envelope):
    other = CampaignFactory(envelope=envelope, planned_amount=D(100))
    order(campaign, "70.00")
    post(campaign, "20.00")
    post(other, "30.00")
    CampaignSpendTotals.objects.filter(campaign=campaign).update(actual=D("21.00"))  # written around the services
    CampaignSpendTotals.objects.filter(campaign=other).delete()
    mismatches = selectors.spend_totals_mismatches()
    assert mismatches == [
        selectors.TotalsMismatch(campaign.pk, stored=(D(70), D(21)), ledger=(D(70), D(20))),
        selectors.TotalsMismatch(other.pk, stored=(D(0), D(0)), ledger=(D(0), D(30))),
    ]
    assert spend_totals_rebuild(campaign_ids=[campaign.pk]) == 1
    assert [m.campaign_id for m in selectors.spend_totals_mismatches()] == [other.pk]
    assert spend_totals_rebuild() == 2
    assert_exact(campaign, other)


def test_the_check_command_names_the_campaigns_off_and_repairs_them_when_asked(campaign, envelope):
    from django.core.management import CommandError, call_command

    post(campaign, "20.00")
    out = io.StringIO()
    call_command("budget_totals_check", stdout=out)
    assert "match" in out.getvalue()

    CampaignSpendTotals.objects.filter(campaign=campaign).update(actual=D("21.00"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 campaign"):
        call_command("budget_totals_check", stdout=out)
    assert f"campaign {campaign.pk}: stored committed 0.00, actual 21.00; ledger committed 0.00, actual 20.00" in (
        out.getvalue()
    )
    assert stored(campaign) == (D(0), D("21.00"))  # a check alone changes nothing

    call_command("budget_totals_check", "--repair", stdout=io.StringIO())
    assert_exact(campaign)


def test_the_figures_read_the_stored_totals_not_the_ledger(campaign):
    post(campaign, "20.00")
    CampaignSpendTotals.objects.filter(campaign=campaign).update(actual=D("999.00"))
    assert selectors.campaign_budget(campaign, today=dt.date(2026, 4, 10)).actual == D("999.00")


# --- at once ---------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_invoices_and_credit_notes_keep_the_totals_exact(on_postgres, in_april):
    first, second = CampaignFactory(planned_amount=D(1000)), CampaignFactory(planned_amount=D(1000))
    orders = {campaign.pk: order(campaign, "500.00") for campaign in (first, second)}

    def work():
        for campaign in (first, second):
            order(campaign, "12.34")
            post(campaign, "7.00", settles_id=orders[campaign.pk].pk, settles_amount="3.00")
            post(campaign, "1.01")
            post(campaign, "-0.50", is_credit_note=True)

    results = run_at_once(work, times=6)
    assert not [r for r in results if isinstance(r, Exception)], results
    for campaign in (first, second):
        assert stored(campaign) == (D("500.00") + 6 * (D("12.34") - D("3.00")), 6 * (D("7.00") + D("1.01") - D("0.50")))
    assert_exact(first, second)


# --- the migration -------------------------------------------------------------------------------

MIGRATION = ("marketing_ops", "0004_campaign_spend_totals")


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_totals_from_the_ledger_already_there():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = sorted(executor.loader.graph.node_map[MIGRATION].parents)[0].key
    executor.migrate([before])
    envelope = EnvelopeFactory()
    first, second, idle = (CampaignFactory(envelope=envelope) for _ in range(3))
    lines = [
        (first, "committed", "100.00", "1.10", "0"),
        (first, "actual", "50.00", "1.20", "40.00"),  # settles 40 of the order
        (first, "actual", "-5.00", "1", "0"),
        (second, "actual", "7.25", "1", "0"),
    ]
    for campaign, kind, amount, rate, settled in lines:
        SpendEntry.objects.create(
            campaign=campaign, kind=kind, is_credit_note=D(amount) < 0, vendor="V", spent_on=dt.date(2026, 4, 2),
            amount=D(amount), currency="EUR", rate=D(rate), company_amount=D(amount) * D(rate),
            settled_company_amount=D(settled),
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate([MIGRATION])
    assert (stored(first), stored(second), stored(idle)) == ((D(70), D(55)), (D(0), D("7.25")), (D(0), D(0)))
    assert selectors.spend_totals_mismatches() == []
