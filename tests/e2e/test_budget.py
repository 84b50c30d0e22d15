"""Marketing ops read the quarter's budget in chromium: the charts, who is off track, and the CSV export."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.core.quarters import quarter_of
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import Channel, SpendKind
from apps.marketing_ops.budgets.services import spend
from tests.e2e.test_my_leads import sign_in


@pytest.fixture
def quarter(marketing_ops, settings):
    """This quarter: one campaign over its plan, one on track, one projected over, in two channels."""
    settings.COMPANY_CURRENCY = "USD"
    today = timezone.localdate()
    quarter = quarter_of(today)
    owner = UserFactory(username="mia", first_name="Mia", last_name="Laurent", roles=[Role.MARKETING_OPS])
    search = EnvelopeFactory(channel=Channel.PAID_SEARCH, quarter=quarter, amount=Decimal(50000))
    events = EnvelopeFactory(team=search.team, channel=Channel.EVENTS, quarter=quarter, amount=Decimal(80000))
    start, end = today - dt.timedelta(days=9), today + dt.timedelta(days=20)
    made = {}
    for name, envelope, planned, postings in [
        ("Brand search", search, 20000, [(SpendKind.ACTUAL, "3000.00")]),
        ("Competitor search", search, 10000, [(SpendKind.COMMITTED, "6000.00"), (SpendKind.ACTUAL, "5500.00")]),
        ("Customer summit", events, 60000, [(SpendKind.COMMITTED, "30000.00"), (SpendKind.ACTUAL, "25000.00")]),
    ]:
        campaign = CampaignFactory(
            name=name, envelope=envelope, owner=owner, planned_amount=Decimal(planned), start_date=start, end_date=end
        )
        for kind, amount in postings:
            spend.spend_post(
                campaign_id=campaign.pk, kind=kind, vendor="Vendor", spent_on=today, amount=amount, currency="USD"
            )
        made[name] = campaign
    return quarter, made


def test_marketing_ops_see_the_budget_charts_and_who_is_off_track(page, live_server, quarter, screenshot_dir):
    name, made = quarter
    sign_in(page, "mops")
    page.get_by_role("link", name="Budgets").click()
    expect(page).to_have_url(re.compile(r"/marketing/budget/$"))
    expect(page.get_by_role("heading", name=f"Campaign budgets, {name}")).to_be_visible()

    charts = page.locator("svg.budget-chart")
    expect(charts).to_have_count(2)
    expect(charts.first).to_be_visible()
    expect(charts.nth(0).locator("g.row")).to_have_count(2)  # paid search and events
    expect(charts.nth(1).locator("g.row")).to_have_count(3)
    # The over-spent campaign's bar is drawn as over, and its actual bar has a width.
    over = charts.nth(1).locator("g.status-over")
    expect(over).to_have_count(1)
    expect(over.locator("text.chart-label")).to_have_text("Competitor search")
    assert float(over.locator("rect.chart-actual").get_attribute("width")) > 0

    off_track = page.locator("#off-track tbody tr")
    expect(off_track).to_have_count(2)
    expect(off_track.nth(0)).to_contain_text("Competitor search")
    expect(off_track.nth(0)).to_contain_text("Over")
    expect(off_track.nth(1)).to_contain_text("Customer summit")
    expect(page.locator(f"#campaign-{made['Brand search'].pk}")).to_contain_text("On track")
    page.screenshot(path=screenshot_dir / "budget.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == f"budget-{name}.csv"
    assert "Competitor search" in Path(download.value.path()).read_text(encoding="utf-8")


def test_a_rep_reads_campaign_roi_but_finds_no_budgets(page, live_server, quarter, rep):
    sign_in(page, "rita")
    expect(page.get_by_role("link", name="Budgets")).to_have_count(0)
    page.get_by_role("link", name="Campaign ROI").click()
    expect(page.locator("#roi")).to_contain_text("Customer summit")
    response = page.goto("/marketing/budget/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
