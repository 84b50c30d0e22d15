"""The budget and ROI pages, the CSV export, and the admin's forms and finance import."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import BudgetMove, Campaign, Channel, SpendEntry
from tests.marketing_ops.budgets.conftest import D, order, post


@pytest.fixture(autouse=True)
def today_in_april():
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def quarter(campaign, envelope):
    """Spring search at 95 % used (over the warning), Autumn show on track, Expo projected over."""
    order(campaign, "450.00")
    post(campaign, "500.00")
    calm = CampaignFactory(envelope=envelope, name="Autumn show", planned_amount=D(4000))
    post(calm, "100.00")
    events = EnvelopeFactory(team=envelope.team, channel=Channel.EVENTS, amount=D(20000))
    expo = CampaignFactory(envelope=events, name="Expo", planned_amount=D(3000))
    post(expo, "1500.00")  # day 10 of 30: 4,500 projected
    return campaign, calm, expo


def test_the_budget_page_lists_who_is_off_track_worst_first(client, marketing_ops, quarter):
    client.force_login(marketing_ops)
    response = client.get("/marketing/budget/?quarter=2026-Q2")
    assert response.status_code == 200
    off = [line.campaign.name for line in response.context["report"].off_track]
    assert off == ["Spring search", "Expo"]
    page = response.content.decode()
    assert "95.0 % of plan used" in page
    assert "projected 4,500.00 against a plan of 3,000.00" in page
    assert page.count('<svg class="chart budget-chart"') == 2


def test_the_budget_page_sums_each_channel(client, marketing_ops, quarter):
    client.force_login(marketing_ops)
    channels = {
        line.channel: line for line in client.get("/marketing/budget/?quarter=2026-Q2").context["report"].channels
    }
    search = channels["paid_search"]
    assert (search.envelope, search.planned, search.committed, search.actual) == (D(10000), D(5000), D(450), D(600))
    assert channels["events"].projected == D(4500)


def test_the_budget_page_reads_in_a_fixed_number_of_queries(client, marketing_ops, quarter, envelope,
                                                             django_assert_max_num_queries):  # fmt: skip
    for _ in range(10):
        post(CampaignFactory(envelope=envelope, planned_amount=D(10)), "1.00")
    client.force_login(marketing_ops)
    # session, user, roles, campaigns with their totals, envelopes, owners shown, the nav's Approvals count, …; on
    # PostgreSQL the quarter's data version, and the cache asked and (the database cache) written on a first view
    with django_assert_max_num_queries(10 if connection.vendor == "sqlite" else 14):
        client.get("/marketing/budget/?quarter=2026-Q2")


def test_a_malformed_quarter_falls_back_to_this_one(client, marketing_ops, quarter):
    client.force_login(marketing_ops)
    response = client.get("/marketing/budget/?quarter=2026-Q9")
    assert response.status_code == 200 and response.context["quarter"] == "2026-Q2"


def test_the_csv_export_has_every_campaign_rounded_as_shown(client, marketing_ops, quarter):
    client.force_login(marketing_ops)
    response = client.get("/marketing/budget/export.csv?quarter=2026-Q2")
    assert response["Content-Disposition"] == 'attachment; filename="budget-2026-Q2.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    spring = next(row for row in rows if row["campaign"] == "Spring search")
    assert (spring["planned"], spring["committed"], spring["actual"], spring["used_percent"]) == (
        "1000.00", "450.00", "500.00", "95.0",
    )  # fmt: skip
    assert spring["budget_status"] == "at_risk"
    assert len(rows) == 3


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops"])
def test_sales_roles_read_the_roi_page_but_not_the_budgets(client, request, role, quarter):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/marketing/budget/").status_code == 403
    assert client.get("/marketing/budget/export.csv").status_code == 403
    response = client.get("/marketing/roi/?quarter=2026-Q2")
    assert response.status_code == 200
    assert "Spring search" in response.content.decode()
    assert "Budgets" not in response.content.decode().split("<main>")[0]


def test_the_budget_page_needs_a_sign_in(client):
    assert client.get("/marketing/budget/").status_code == 302


# --- the admin ----------------------------------------------------------------------------------


def test_marketing_ops_import_finance_csv_in_the_admin(client, marketing_ops, campaign):
    client.force_login(marketing_ops)
    url = reverse("admin:marketing_ops_spendentry_import")
    data = (
        "external_ref,campaign,kind,vendor,date,amount,currency\n"
        f"INV-1,{campaign.pk},actual,V,2026-04-02,10.00,USD\n"
        f"INV-2,{campaign.pk},actual,V,2026-04-02,-10.00,USD\n"
    ).encode()
    response = client.post(url, {"file": io.BytesIO(data), "import": "1"}, format="multipart")
    assert response.status_code == 200
    assert "line 3" in response.content.decode() or "<td>3</td>" in response.content.decode()
    assert not SpendEntry.objects.exists()
    fixed = data.replace(b"-10.00", b"12.00")
    upload = io.BytesIO(fixed)
    upload.name = "spend.csv"
    client.post(url, {"file": upload, "import": "1"})
    assert SpendEntry.objects.count() == 2


def test_a_refused_posting_in_the_admin_shows_on_its_field(client, marketing_ops, campaign):
    client.force_login(marketing_ops)
    response = client.post(
        reverse("admin:marketing_ops_spendentry_add"),
        {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "spent_on": "2026-04-02", "amount": "5.00",
         "currency": "GBP"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "No exchange rate for GBP on 2026-04-02" in str(response.context["adminform"].form.errors["currency"])
    assert not SpendEntry.objects.exists()
    response = client.post(
        reverse("admin:marketing_ops_spendentry_add"),
        {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "spent_on": "2026-04-02", "amount": "5.00",
         "currency": "USD"},
    )  # fmt: skip
    assert response.status_code == 302
    assert SpendEntry.objects.get().created_by == marketing_ops


def test_a_reallocation_is_recorded_from_the_admin(client, marketing_ops, campaign, envelope):
    other = CampaignFactory(envelope=envelope)
    client.force_login(marketing_ops)
    url = reverse("admin:marketing_ops_budgetmove_add")
    fields = {"kind": "transfer", "from_campaign": campaign.pk, "to_campaign": other.pk, "reason": "Better CPL"}
    response = client.post(url, {**fields, "amount": "1500.00"})
    assert "1000.00 planned; 1500.00 is 500.00 more" in str(response.context["adminform"].form.errors)
    response = client.post(url, {**fields, "amount": "400.00"})
    assert response.status_code == 302
    move = BudgetMove.objects.get()
    assert (move.actor, move.amount, move.reason) == (marketing_ops, D(400), "Better CPL")
    other.refresh_from_db()
    assert other.planned_amount == D(400)


def test_a_campaign_planned_in_the_admin_draws_from_its_envelope(client, marketing_ops, envelope):
    client.force_login(marketing_ops)
    fields = {
        "name": "Admin campaign", "channel": "paid_search", "owner": marketing_ops.pk, "start_date": "2026-04-01",
        "end_date": "2026-04-30", "fiscal_quarter": "2026-Q2", "envelope": envelope.pk, "expected_leads": 10,
        "expected_pipeline": "0", "warn_at_percent": 80, "over_at_percent": 100, "projected_over_percent": 10,
        "spend-TOTAL_FORMS": 0, "spend-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(reverse("admin:marketing_ops_campaign_add"), {**fields, "new_planned_amount": "12000.00"})
    assert "exceed it by 2000.00" in str(response.context["adminform"].form.errors)
    assert not Campaign.objects.exists()
    response = client.post(reverse("admin:marketing_ops_campaign_add"), {**fields, "new_planned_amount": "2000.00"})
    assert response.status_code == 302
    assert Campaign.objects.get().planned_amount == D(2000)
    assert BudgetMove.objects.get().actor == marketing_ops


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("marketing_ops", "admin:marketing_ops_campaign_changelist", 200),
        ("marketing_ops", "admin:marketing_ops_spendentry_changelist", 200),
        ("marketing_ops", "admin:marketing_ops_budgetenvelope_add", 200),
        ("sales_ops", "admin:marketing_ops_campaign_changelist", 200),
        ("sales_ops", "admin:marketing_ops_spendentry_changelist", 403),
        ("sales_ops", "admin:marketing_ops_campaign_add", 403),
    ],
)
def test_marketing_ops_edit_budgets_in_the_admin_and_sales_ops_only_see_campaigns(client, request, role, url, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(url)).status_code == status
