"""The deal desk in chromium: a rep asks for a discount and sees who will approve, the manager approves it."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.core.factories import DEFAULT_PASSWORD, AccountFactory, OpportunityFactory
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from apps.sales_ops.models import DealRequest, RuleApprover


def sign_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def deal_desk(rep, manager):
    """Rita (a rep reporting to Max) with an open opportunity; the matrix asks the manager above 10 % off,
    and finance for net 60 or longer."""
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    manager.first_name, manager.last_name = "Max", "Becker"
    manager.save()
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    ApprovalRuleFactory(
        name="Finance review",
        step_order=20,
        mode="any",
        payment_terms=["net_60", "net_90", "custom"],
        approvers=[(RuleApprover.Kind.USER, manager)],
    )
    account = AccountFactory(name="Globex Corporation", segment="mid_market")
    return OpportunityFactory(owner=rep, account=account, name="Globex platform renewal", currency="EUR")


def test_a_rep_submits_a_request_and_the_manager_approves_it(page, live_server, deal_desk, screenshot_dir):
    sign_in(page, "rita")
    page.locator(".mainnav").get_by_role("link", name="Deal desk").click()
    expect(page.get_by_role("heading", name="Deal desk")).to_be_visible()
    page.get_by_role("link", name="New request").click()

    page.get_by_label("Opportunity").select_option(label="Globex platform renewal · Globex Corporation")
    page.get_by_label("List amount").fill("120000")
    page.get_by_label("Net amount").fill("96000")
    expect(page.locator("#discount-live")).to_have_text("20.00 % off list")

    # The live preview routes the terms through the matrix as they are typed.
    preview = page.locator("#route-preview")
    expect(preview.locator(".route-step")).to_have_count(1)
    expect(preview).to_contain_text("Manager review")
    expect(preview).to_contain_text("Max Becker (manager)")
    page.get_by_label("Payment terms", exact=True).select_option("net_60")
    expect(preview.locator(".route-step")).to_have_count(2)
    expect(preview).to_contain_text("Finance review")
    page.get_by_label("Net amount").fill("130000")
    expect(preview).to_contain_text("Net amount: The net amount cannot be above the list amount.")
    expect(page.locator("#discount-live")).to_have_text("The net amount is above the list amount.")
    page.get_by_label("Net amount").fill("96000")
    expect(preview.locator(".route-step")).to_have_count(2)

    page.get_by_label("Custom legal terms").check()
    page.get_by_label("Justification").fill("A competitor quoted 20 % less; two years on net 60 keeps the account.")
    page.screenshot(path=screenshot_dir / "deal-form.png", full_page=True)
    page.get_by_role("button", name="Save and submit").click()

    expect(page.locator("#deal-status")).to_have_text("Under review")
    expect(page.locator(".message.success")).to_contain_text("waiting for Manager review")
    deal = DealRequest.objects.get()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "mgr")
    page.locator(".mainnav").get_by_role("link", name=re.compile("^Approvals")).click()
    row = page.locator(f"#inbox-{deal.pk}")
    expect(row).to_contain_text("Rita Reyes")
    expect(row).to_contain_text("20.00 %")
    expect(row).to_contain_text("Manager review")
    row.get_by_role("link", name="Review…").click()

    page.get_by_label("Comment").fill("Fine for a two-year renewal.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".message.success")).to_contain_text(f"Approved deal request #{deal.pk}")
    # Max approves the finance step too (named on it), and the request is approved.
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#deal-status")).to_have_text("Approved")
    expect(page.locator("#route")).to_contain_text("Fine for a two-year renewal.")
    expect(page.locator("#timeline")).to_contain_text("Request approved")
    page.screenshot(path=screenshot_dir / "deal-detail.png", full_page=True)
