"""The content library in chromium: a rep searches, opens the preview, downloads the deck and records sharing it with
a contact of their opportunity; the library fits a phone's width."""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.factories import ContactFactory, OpportunityFactory
from apps.marketing_ops.content import samples
from apps.marketing_ops.content.factories import TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetKind, AssetStatus, ContentShare, ContentUsage, VersionStatus
from tests.e2e.test_my_leads import sign_in


@pytest.fixture
def library(rep, marketing_ops):
    """A published pricing deck (a real PDF with its preview), a datasheet, and Rita's opportunity at Globex with
    one contact who may be e-mailed and one who opted out."""
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    today = timezone.localdate()
    deck = published_asset(
        owner=marketing_ops,
        title="Pricing and packaging 2026",
        kind=AssetKind.DECK,
        description="Plans, list prices and what each includes.",
        expires_on=today + dt.timedelta(days=9),
    )
    deck.tags.add(TagFactory(name="Pricing"))
    version = deck.current_version
    version.file.save("pricing.pdf", ContentFile(samples.pdf("Growth 49 USD", title="Pricing")), save=False)
    version.display_name = "pricing-2026.pdf"
    version.preview.save("preview.png", ContentFile(samples.png("Pricing 2026")), save=False)
    version.save()
    published_asset(owner=marketing_ops, title="Security datasheet", kind=AssetKind.DATASHEET)
    draft = published_asset(owner=marketing_ops, title="Pricing draft for next year")
    draft.status = AssetStatus.DRAFT
    draft.current_version = None
    draft.save()
    VersionFactory(asset=draft, status=VersionStatus.DRAFT)
    deal = OpportunityFactory(owner=rep, name="Globex renewal", account__name="Globex")
    carla = ContactFactory(account=deal.account, first_name="Carla", last_name="Cruz", title="CFO")
    ContactFactory(account=deal.account, first_name="Owen", last_name="Opted", email_opt_out=True)
    return deck, deal, carla


def test_a_rep_finds_previews_downloads_and_shares_a_deck(page, live_server, library, screenshot_dir):
    deck, deal, carla = library
    sign_in(page, "rita")
    page.locator(".mainnav").get_by_role("link", name="Content").click()
    expect(page.get_by_role("heading", name="Content library")).to_be_visible()

    page.get_by_label("Search the library").fill("pricing")
    page.get_by_role("button", name="Search", exact=True).click()
    cards = page.locator("article.asset-card")
    expect(cards).to_have_count(1)  # the draft is not for reps; the datasheet does not match
    card = cards.first
    expect(card).to_contain_text("Pricing and packaging 2026")
    expect(card).to_contain_text("Deck")
    expect(card).to_contain_text("Pricing")
    expect(card).to_contain_text("in 9 days")
    # The thumbnail is a real image served through the permission-checked view.
    expect(card.locator("img")).to_have_js_property("complete", True)
    assert card.locator("img").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=screenshot_dir / "content-library.png", full_page=True)

    card.get_by_role("link", name="Pricing and packaging 2026").click()
    expect(page.get_by_role("heading", name="Pricing and packaging 2026")).to_be_visible()

    # The preview opens as an image and counts as a view.
    page.get_by_role("link", name="Open preview").click()
    expect(page).to_have_url(re.compile(rf"/marketing/content/{deck.pk}/preview/$"))
    assert ContentUsage.objects.filter(action="view", user__username="rita").count() == 1
    page.go_back()

    with page.expect_download() as caught:
        page.get_by_role("link", name="Download", exact=True).click()
    download = caught.value
    assert download.suggested_filename == "pricing-2026.pdf"
    with open(download.path(), "rb") as file:
        assert file.read().startswith(b"%PDF")
    assert ContentUsage.objects.filter(action="download").count() == 1

    # The opted-out contact is offered, but cannot be chosen.
    send_to = page.get_by_label("Send to")
    expect(send_to.locator("option", has_text="Owen Opted")).to_be_disabled()
    expect(send_to.locator("option", has_text="opted out of e-mail")).to_have_count(1)
    send_to.select_option(label="Carla Cruz (CFO)")
    page.get_by_label("Note (optional)").fill("Sent after the pricing call")
    page.get_by_role("button", name="Record share").click()
    expect(page.locator(".message.success")).to_contain_text(
        "Recorded: you shared “Pricing and packaging 2026” (version 1) with Carla Cruz on Globex renewal."
    )
    expect(page).to_have_url(re.compile(rf"/marketing/content/{deck.pk}/$"))  # redirected after the POST
    share = ContentShare.objects.get()
    assert (share.contact, share.opportunity, share.note) == (carla, deal, "Sent after the pricing call")
    page.screenshot(path=screenshot_dir / "content-asset.png", full_page=True)


def test_the_library_fits_a_phone(page, live_server, library, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rita")
    page.goto("/marketing/content/")
    expect(page.locator("article.asset-card")).to_have_count(2)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the library is {overflow} px wider than a 390 px screen"
    page.screenshot(path=screenshot_dir / "content-library-390.png", full_page=True)
