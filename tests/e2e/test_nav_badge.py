"""The nav's Approvals count in chromium: a request that starts waiting for the approver shows on the open page
within a minute, without a reload, and without a Content-Security-Policy violation."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from apps.sales_ops.deal_desk import services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from tests.e2e.test_deal_desk import sign_in
from tests.sales_ops.deal_desk.test_limits import draft


@pytest.fixture
def manager_review(rep, manager):
    """A rule that asks the manager above 10 % off (what `draft` asks for)."""
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))


def test_the_approvals_count_follows_the_inbox_without_a_reload(page, live_server, manager_review, rep, console_errors):
    sign_in(page, "mgr")
    page.clock.install()
    page.goto("/")
    page.evaluate("window.notReloaded = true")
    badge = page.locator(".mainnav #nav-approvals")
    expect(badge).to_have_text("")  # nothing waits: an empty span, the place the count will go
    expect(badge).not_to_have_class("count-pill")

    services.deal_request_submit(request_id=draft(rep).pk, actor=rep)
    page.clock.run_for(30_000)
    expect(badge).to_have_text("")  # not before the minute is up
    with page.expect_response(re.compile(r"/nav/counts/$")) as refresh:
        page.clock.run_for(31_000)
    assert refresh.value.status == 200
    expect(badge).to_have_text("1")
    expect(badge).to_have_class("count-pill")

    services.deal_request_submit(request_id=draft(rep).pk, actor=rep)
    with page.expect_response(re.compile(r"/nav/counts/$")):  # the swapped-in badge polls in its turn
        page.clock.run_for(61_000)
    expect(badge).to_have_text("2")
    assert page.evaluate("window.notReloaded") is True
    assert console_errors == []
