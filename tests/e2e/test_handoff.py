"""Marketing ops hand leads to sales in chromium: pick two marketing-qualified leads, see whom routing would give
each and why, hand them off, read the result of each."""

import re

import pytest
from playwright.sync_api import expect

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, TerritoryFactory, UserFactory
from apps.core.models import LeadStage, Role
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from tests.e2e.test_my_leads import sign_in


@pytest.fixture
def mqls(marketing_ops):
    """EMEA-DACH takes German leads, Ana and Bo in turn; two German MQLs and a French one."""
    dach = TerritoryFactory(code="emea-dach", name="EMEA-DACH")
    TerritoryRuleFactory(territory=dach, country="DE")
    for username, first in (("ana", "Ana"), ("bo", "Bo")):
        user = UserFactory(username=username, first_name=first, last_name="Rep", roles=[Role.REP])
        TerritoryMemberFactory(territory=dach, user=user)

    def lead(name, country, first):
        account = AccountFactory(name=name, country=country, segment="smb")
        contact = ContactFactory(account=account, first_name=first, last_name="Buyer")
        return LeadFactory(contact=contact, stage=LeadStage.MQL, score=50)

    return [lead("Bergwerk GmbH", "DE", "Greta"), lead("Uhrwerk AG", "DE", "Hans"), lead("Atelier SA", "FR", "Inès")]


def test_marketing_ops_pick_two_leads_preview_and_hand_them_off(page, live_server, mqls, screenshot_dir):
    berg, uhr, _atelier = mqls
    sign_in(page, "mops")
    page.get_by_role("link", name="Hand off").click()
    expect(page).to_have_url(re.compile(r"/sales/handoff/$"))
    expect(page.locator("table.leads tbody tr")).to_have_count(3)

    page.get_by_label("Country").fill("DE")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.leads tbody tr")).to_have_count(2)

    page.get_by_label(f"Pick lead #{berg.pk}").check()
    page.get_by_label(f"Pick lead #{uhr.pk}").check()
    page.get_by_role("button", name="Preview hand-off").click()

    expect(page.get_by_role("heading", name="Hand off 2 leads")).to_be_visible()
    for lead in (berg, uhr):
        row = page.locator(f'tr[data-lead="{lead.pk}"] td.preview')
        expect(row).to_contain_text("Ana Rep")  # each preview is that lead's alone: the next turn is Ana's
        expect(row).to_contain_text("Round robin in EMEA-DACH (country DE)")
    page.screenshot(path=screenshot_dir / "handoff-preview.png", full_page=True)

    page.get_by_role("button", name="Hand off to sales").click()

    expect(page).to_have_url(re.compile(r"/sales/handoff/$"))
    expect(page.get_by_text("Handed 2 of 2 leads to sales.")).to_be_visible()
    results = page.locator("#handoff-results")
    # Handed in the list's order (the newer lead first, at equal scores), taking the round robin's turns in order.
    expect(results.locator(f'tr[data-lead="{uhr.pk}"]')).to_contain_text("Handed to Ana Rep")
    expect(results.locator(f'tr[data-lead="{berg.pk}"]')).to_contain_text("Handed to Bo Rep")
    expect(page.locator("table.leads tbody tr")).to_have_count(1)  # only the French lead is left to hand off
    page.screenshot(path=screenshot_dir / "handoff-results.png", full_page=True)


def test_the_hand_off_page_fits_a_phone(page, live_server, mqls):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "mops")
    page.goto("/sales/handoff/")
    expect(page.locator("table.leads tbody tr")).to_have_count(3)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"


def test_picking_a_lead_or_naming_an_owner_loads_the_rows_preview_in_place(page, live_server, mqls, console_errors):
    berg, uhr, atelier = mqls
    sign_in(page, "mops")
    page.goto("/sales/handoff/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label(f"Pick lead #{berg.pk}").check()
    expect(page.locator(f"#route-{berg.pk}")).to_contain_text("Ana Rep")
    expect(page.locator(f"#route-{berg.pk}")).to_contain_text("Round robin in EMEA-DACH (country DE)")
    page.get_by_label(f"Pick lead #{atelier.pk}").check()
    expect(page.locator(f"#route-{atelier.pk}")).to_contain_text("Nobody")
    page.get_by_label(f"Pick lead #{berg.pk}").uncheck()
    expect(page.locator(f"#route-{berg.pk}")).to_be_empty()
    expect(page.locator(f"#route-{uhr.pk}")).to_be_empty()  # never picked
    assert page.evaluate("window.notReloaded") is True

    page.get_by_label(f"Pick lead #{uhr.pk}").check()
    page.get_by_role("button", name="Preview hand-off").click()
    expect(page.get_by_role("heading", name="Hand off 2 leads")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    page.get_by_label(f"Owner of lead #{uhr.pk}").select_option(label="Bo Rep")
    expect(page.locator(f"#route-{uhr.pk}")).to_contain_text("Bo Rep")
    expect(page.locator(f"#route-{uhr.pk}")).to_contain_text("Named by you; routing would choose Ana Rep")
    assert page.evaluate("window.notReloaded") is True
    assert console_errors == []
