"""A manager reads their team's pipeline coverage in chromium: the chart against the required multiple, each rep's
status, the CSV; and at a phone's width the page does not scroll sideways."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.factories import AccountFactory, OpportunityFactory, UserFactory
from apps.core.models import OpportunityStage, Role
from apps.core.quarters import quarter_bounds, quarter_of
from apps.sales_ops.coverage.models import Quota
from tests.e2e.test_my_leads import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def team(manager, settings):
    """This quarter: three reps of the manager, each with a 100,000 quota and open pipeline of 3×, 2× and ½×
    (covered, thin, uncovered against the default 2.5×), and one won deal."""
    settings.COMPANY_CURRENCY = "USD"
    settings.COVERAGE_DEFAULT_MULTIPLE = "2.5"
    settings.COVERAGE_THIN_RATIO = "0.75"
    settings.COVERAGE_MIN_CLOSED_DEALS = 5
    quarter = quarter_of(timezone.localdate())
    first, last = quarter_bounds(quarter)
    reps = {}
    for username, first_name, open_amount in (("ana", "Ana", 300_000), ("ben", "Ben", 200_000), ("cai", "Cai", 50_000)):
        rep = UserFactory(username=username, first_name=first_name, last_name="Rep", roles=[Role.REP], manager=manager)
        Quota.objects.create(rep=rep, quarter=quarter, amount=Decimal(100_000))
        OpportunityFactory(owner=rep, account=AccountFactory(), amount=Decimal(open_amount), currency="USD",
                           stage=OpportunityStage.PROPOSAL, close_date=last)  # fmt: skip
        reps[username] = rep
    OpportunityFactory(owner=reps["ana"], account=AccountFactory(), amount=Decimal(1), currency="USD",
                       stage=OpportunityStage.CLOSED_WON, close_date=first)  # fmt: skip
    return quarter, reps


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_a_manager_reads_the_coverage_chart_statuses_and_csv(page, live_server, team, screenshot_dir):
    quarter, reps = team
    sign_in(page, "mgr")
    page.get_by_role("link", name="Coverage").click()
    expect(page).to_have_url(re.compile(r"/sales/coverage/$"))
    expect(page.get_by_role("heading", name=f"Pipeline coverage, {quarter}")).to_be_visible()

    chart = page.get_by_role("img", name="Coverage by rep")
    expect(chart).to_be_visible()
    expect(chart.locator("g")).to_have_count(3)
    expect(chart.locator("g.coverage-uncovered text.chart-label")).to_have_text("Cai Rep")
    expect(chart.locator("g.coverage-covered line.chart-mark")).to_have_count(1)

    rows = page.locator("#coverage-reps tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(f'#coverage-reps tr[data-rep="{reps["ana"].pk}"] .status')).to_have_text("Covered")
    expect(page.locator(f'#coverage-reps tr[data-rep="{reps["ben"].pk}"] .status')).to_have_text("Thin")
    expect(page.locator(f'#coverage-reps tr[data-rep="{reps["cai"].pk}"] .status')).to_have_text("Uncovered")
    page.screenshot(path=screenshot_dir / "coverage.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == f"coverage-{quarter}.csv"
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.startswith("level,name,territory,quota")
    assert re.search(r"^rep,Cai Rep,.*,uncovered,", csv, re.M)


def test_the_coverage_page_fits_a_phone(page, live_server, team, screenshot_dir):
    page.set_viewport_size(PHONE)
    sign_in(page, "mgr")
    page.goto("/sales/coverage/")
    expect(page.get_by_role("img", name="Coverage by rep")).to_be_visible()
    width, viewport = overflow(page)
    page.screenshot(path=screenshot_dir / "coverage-390.png", full_page=True)
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"
