"""Signing in through the real login page in chromium, and landing on the home page."""

import re

import pytest
from playwright.sync_api import expect

from apps.core.factories import DEFAULT_PASSWORD, LeadFactory, UserFactory
from apps.core.models import LeadStage, Role


@pytest.fixture
def rita(manager):
    """A rep with a few leads, so the home page has something to show."""
    user = UserFactory(username="rep", first_name="Rita", roles=[Role.REP], manager=manager)
    for stage in (LeadStage.NEW, LeadStage.MQL, LeadStage.SQL, LeadStage.SQL):
        LeadFactory(owner=user, stage=stage)
    return user


def sign_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_rep_signs_in_and_sees_their_home_page(page, live_server, rita, screenshot_dir):
    page.goto("/")
    # login_required sends an anonymous visitor to the login page and back home afterwards.
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    sign_in(page, "rep", DEFAULT_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Good to see you, Rita")).to_be_visible()
    expect(page.get_by_role("heading", name="Leads by stage")).to_be_visible()
    page.screenshot(path=screenshot_dir / "home-rep.png", full_page=True)


def test_wrong_password_shows_the_error_and_stays_on_login(page, rita):
    page.goto("/login/")
    sign_in(page, "rep", "not-the-password")

    expect(page.locator(".error")).to_contain_text("Please enter a correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
