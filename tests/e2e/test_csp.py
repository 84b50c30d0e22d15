"""Under the Content-Security-Policy in chromium: the pages and the API docs run, and nothing is blocked."""

import pytest
from playwright.sync_api import expect

from apps.core.factories import DEFAULT_PASSWORD


@pytest.fixture
def csp_violations(page):
    """Every violation chromium reports (as a console error), collected while the test runs."""
    seen = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def test_the_api_docs_render_under_the_policy(page, rep, csp_violations, settings):
    settings.API_DOCS_PUBLIC = False
    page.goto("/api/docs/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The schema is generated on request: generous on a busy machine.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    assert page.locator(".swagger-ui").get_by_text("/api/v1/leads/", exact=True).count() >= 1
    assert csp_violations == []


def test_the_portal_runs_its_scripts_under_the_policy(page, rep, csp_violations):
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for url in ("/", "/sales/leads/", "/sales/deals/new/"):
        page.goto(url)

    assert csp_violations == []


def test_htmx_loads_and_swaps_under_the_policy_without_eval_or_inline_style(page, rep, csp_violations):
    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    config = page.evaluate("[typeof htmx, htmx.config.allowEval, htmx.config.includeIndicatorStyles]")
    assert config == ["object", False, False]
    assert page.evaluate("document.querySelectorAll('head style').length") == 0  # htmx inserted no <style>
    page.evaluate("window.notReloaded = true")
    with page.expect_response("**/nav/counts/") as refresh:  # the badge's own poll, asked for now
        page.evaluate("htmx.ajax('GET', '/nav/counts/', {target: '#nav-approvals', swap: 'outerHTML'})")
    assert refresh.value.status == 200
    expect(page.locator("#nav-approvals")).to_have_attribute("hx-trigger", "every 60s")
    assert page.evaluate("window.notReloaded") is True
    assert csp_violations == []
