"""A rep works their handed-off leads in chromium: My leads, most urgent first, and the Accept button."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.factories import DEFAULT_PASSWORD, LeadFactory, TerritoryFactory, UserFactory
from apps.core.models import LeadStage, Role
from apps.core.services import leads
from apps.sales_ops.sla.factories import SlaPolicyFactory


def sign_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signed in once the login page is left (at phone width Sign out sits in the closed menu, hidden).
    page.wait_for_url(lambda url: "/login/" not in url)


def hand_off(owner, marketing, *, hours_ago=0.0, **lead_fields):
    """A lead handed to `owner` some hours ago (its SLA clock started then)."""
    lead = LeadFactory(stage=LeadStage.MQL, **lead_fields)
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    with time_machine.travel(at, tick=False):
        return leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=marketing)


@pytest.fixture
def rita(manager, marketing_ops):
    """A rep with three handed-off leads (fresh, past the warning, over) and one accepted."""
    SlaPolicyFactory(name="Accept hand-offs")
    user = UserFactory(username="rep", first_name="Rita", last_name="Reyes", roles=[Role.REP], manager=manager)
    user.fresh = hand_off(user, marketing_ops, hours_ago=0.5, contact__first_name="Ada", contact__last_name="Lovelace")
    user.warned = hand_off(user, marketing_ops, hours_ago=3.5, contact__first_name="Alan", contact__last_name="Turing")
    user.over = hand_off(user, marketing_ops, hours_ago=5.25, contact__first_name="Grace", contact__last_name="Hopper")
    done = hand_off(user, marketing_ops, hours_ago=2, contact__first_name="Edsger", contact__last_name="Dijkstra")
    leads.lead_accept(lead_id=done.pk, actor=user)
    return user


def test_a_rep_accepts_a_handed_off_lead_from_my_leads(page, live_server, rita, screenshot_dir):
    sign_in(page, "rep")
    page.get_by_role("link", name="My leads").click()
    expect(page).to_have_url(re.compile(r"/sales/leads/$"))
    expect(page.get_by_role("heading", name="My leads")).to_be_visible()

    rows = page.locator("table.leads tbody tr")
    # Most urgent first: the one over its time, the one past its warning, the fresh one, then the accepted one.
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Grace Hopper")
    expect(rows.nth(0).locator(".countdown")).to_have_text(re.compile(r"^1 h (14|15) min over$"))
    expect(rows.nth(0).locator(".countdown")).to_have_class(re.compile("cue-red"))
    expect(rows.nth(1).locator(".countdown")).to_have_class(re.compile("cue-amber"))
    expect(rows.nth(2).locator(".countdown")).to_have_class(re.compile("cue-green"))

    row = page.locator(f"#lead-{rita.warned.pk}")
    expect(row.locator(".badge")).to_have_text("Handed off")
    row.get_by_role("button", name="Accept").click()

    expect(page.locator(".message.success")).to_contain_text(f"Accepted lead #{rita.warned.pk}")
    row = page.locator(f"#lead-{rita.warned.pk}")
    expect(row.locator(".badge")).to_have_text("Accepted")
    expect(row.get_by_role("link", name="Convert…")).to_be_visible()  # the convert form, on a page of its own
    expect(row.get_by_role("button", name="Accept")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "my-leads.png", full_page=True)


def test_the_lead_page_shows_the_clock_and_its_timeline(page, live_server, rita, screenshot_dir):
    sign_in(page, "rep")
    page.goto(f"/sales/leads/{rita.over.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Grace Hopper"))).to_be_visible()
    expect(page.locator(".clock .countdown")).to_contain_text("over")
    expect(page.locator("table").last).to_contain_text("Started")
    page.screenshot(path=screenshot_dir / "lead-detail.png", full_page=True)


def test_a_manager_sees_the_team_at_risk_and_ops_the_compliance_charts(
    page, live_server, rita, manager, sales_ops, marketing_ops, screenshot_dir
):
    sign_in(page, "mgr")
    page.get_by_role("link", name="Team").click()
    expect(page.locator(".tally .cue-red .count")).to_have_text("1")
    expect(page.locator(".tally .cue-amber .count")).to_have_text("1")
    page.screenshot(path=screenshot_dir / "team.png", full_page=True)

    other = UserFactory(username="otto", first_name="Otto", last_name="Olsen", roles=[Role.REP])
    other.territory = TerritoryFactory(name="North")
    other.save()
    for owner, hours in [(other, 1), (other, 6), (rita, 2)]:
        lead = hand_off(owner, marketing_ops, hours_ago=hours + 1)
        at = timezone.now() - dt.timedelta(hours=1)
        with time_machine.travel(at, tick=False):
            leads.lead_accept(lead_id=lead.pk, actor=owner)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "sops")
    page.get_by_role("link", name="Compliance").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#by-rep")).to_contain_text("Otto Olsen")
    page.screenshot(path=screenshot_dir / "compliance.png", full_page=True)


def test_countdowns_tick_down_each_minute_on_an_open_page(page, live_server, rita):
    sign_in(page, "rep")
    page.clock.install()
    # The page's clock runs ahead of the server's here: its minute refresh would bring the server's time left back.
    page.route("**/sales/leads/countdowns/**", lambda route: route.fulfill(status=204))
    page.goto("/sales/leads/")
    countdown = page.locator(f"#lead-{rita.fresh.pk} .countdown")
    expect(countdown).to_have_text("3 h 29 min left")
    page.clock.run_for(60_000)
    expect(countdown).to_have_text("3 h 28 min left")


def test_a_lead_accepted_elsewhere_shows_it_within_a_minute_without_a_reload(page, live_server, rita):
    sign_in(page, "rep")
    page.clock.install()
    page.goto("/sales/leads/")
    page.evaluate("window.notReloaded = true")
    cell = page.locator(f"#sla-{rita.fresh.pk}")
    expect(cell.locator(".countdown")).to_have_class(re.compile("cue-green"))

    leads.lead_accept(lead_id=rita.fresh.pk, actor=rita)  # from the API, the lead page, another tab
    with page.expect_response(re.compile(r"/sales/leads/countdowns/\?lead=")) as refresh:
        page.clock.run_for(61_000)

    assert refresh.value.status == 200
    expect(cell).to_have_text("SLA met")
    expect(page.locator(f"#sla-{rita.over.pk} .countdown")).to_have_class(re.compile("cue-red"))
    assert page.evaluate("window.notReloaded") is True
