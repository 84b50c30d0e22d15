"""The library's pages: who sees which page, asset and button; downloads, shares, uploads, reviews and moves through
the pages (refusals as form errors in words, nothing written); redirects after a POST; a constant query count."""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.factories import ContactFactory, OpportunityFactory, UserFactory
from apps.core.models import OpportunityStage
from apps.core.models.customers import ConsentStatus
from apps.marketing_ops.content import samples
from apps.marketing_ops.content.factories import AssetFactory, TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentShare,
    ContentUsage,
    VersionReview,
    VersionStatus,
)
from apps.marketing_ops.content.services import assets as asset_services
from apps.marketing_ops.content.views import library
from tests import samples as bad_samples
from tests.marketing_ops.content.conftest import TODAY

LIBRARY = reverse("marketing_ops:content_library")


def url(name: str, asset: Asset, query: str = "") -> str:
    return reverse(f"marketing_ops:content_{name}", kwargs={"asset_id": asset.pk}) + query


def signed_in(client, user):
    client.force_login(user)
    return client


def text_of(response) -> str:
    return response.content.decode()


def with_preview(asset: Asset) -> Asset:
    version = asset.current_version
    version.preview.save("preview.png", ContentFile(samples.png("preview")), save=True)
    return asset


def in_review(asset: Asset, *, uploaded_by=None) -> AssetVersion:
    """A new version of `asset` sent to review (by hand: the services' own tests cover submitting)."""
    version = VersionFactory(asset=asset, status=VersionStatus.IN_REVIEW, uploaded_by=uploaded_by or asset.owner)
    if asset.status == AssetStatus.DRAFT:
        asset.status = AssetStatus.IN_REVIEW
        asset.save(update_fields=["status"])
    return version


@pytest.fixture
def live(owner, frozen):
    """A published, customer-facing deck with a preview, expiring in ten days."""
    asset = published_asset(
        owner=owner, title="Pricing deck 2026", kind=AssetKind.DECK, expires_on=TODAY + dt.timedelta(days=10)
    )
    asset.tags.add(TagFactory(name="Pricing"))
    return with_preview(asset)


@pytest.fixture
def deal(rep, frozen):
    return OpportunityFactory(owner=rep, name="Globex renewal", account__name="Globex")


@pytest.fixture
def contact(deal):
    return ContactFactory(account=deal.account, first_name="Carla", last_name="Cruz")


@pytest.fixture
def opted_out(deal):
    return ContactFactory(account=deal.account, first_name="Owen", last_name="Opted", email_opt_out=True)


# --- the library -----------------------------------------------------------------------------------------------


def test_a_rep_finds_live_assets_only(client, rep, owner, live, frozen):
    published_asset(owner=owner, title="Expired one-pager", expires_on=TODAY)
    AssetFactory(owner=owner, title="Draft battlecard")
    published_asset(owner=owner, title="Archived deck").__class__.objects.filter(title="Archived deck").update(
        status=AssetStatus.ARCHIVED
    )
    response = signed_in(client, rep).get(LIBRARY)
    assert response.status_code == 200
    page = text_of(response)
    assert "Pricing deck 2026" in page
    assert "Pricing</span>" in page  # its tag
    assert "Expires 12 Mar 2026 · in 10 days" in page
    for hidden in ("Expired one-pager", "Draft battlecard", "Archived deck"):
        assert hidden not in page
    assert "1 asset" in page


def test_the_library_searches_and_filters(client, rep, owner, live, frozen):
    published_asset(owner=owner, title="Security datasheet", kind=AssetKind.DATASHEET)
    signed_in(client, rep)
    page = text_of(client.get(LIBRARY, {"q": "security"}))
    assert "Security datasheet" in page and "Pricing deck 2026" not in page
    page = text_of(client.get(LIBRARY, {"kind": "deck"}))
    assert "Pricing deck 2026" in page and "Security datasheet" not in page
    page = text_of(client.get(LIBRARY, {"tag": "pricing"}))
    assert "Pricing deck 2026" in page and "Security datasheet" not in page


def test_curators_see_every_status_and_may_filter_by_it(client, marketing_ops, owner, live, frozen):
    AssetFactory(owner=owner, title="Draft battlecard")
    signed_in(client, marketing_ops)
    page = text_of(client.get(LIBRARY))
    assert "Draft battlecard" in page and "Pricing deck 2026" in page
    page = text_of(client.get(LIBRARY, {"status": "draft"}))
    assert "Draft battlecard" in page and "Pricing deck 2026" not in page
    assert 'href="/marketing/content/new/"' in page  # marketing ops add assets


def test_reps_get_no_status_filter_and_no_new_asset_button(client, rep, live):
    page = text_of(signed_in(client, rep).get(LIBRARY))
    assert 'name="status"' not in page
    assert "New asset" not in page
    assert "Review queue" not in page


def test_a_card_shows_a_thumbnail_served_without_counting_a_view(client, rep, live):
    signed_in(client, rep)
    assert url("thumbnail", live) in text_of(client.get(LIBRARY))
    response = client.get(url("thumbnail", live))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert not ContentUsage.objects.exists()


def test_opening_the_preview_counts_a_view(client, rep, live):
    response = signed_in(client, rep).get(url("preview", live))
    assert response.status_code == 200
    usage = ContentUsage.objects.get()
    assert (usage.user, usage.action, usage.version) == (rep, "view", live.current_version)


def test_the_library_is_for_people_with_a_role(client, db):
    response = signed_in(client, UserFactory(username="nobody")).get(LIBRARY)
    assert response.status_code == 403


def test_the_nav_links_the_library(client, rep):
    page = text_of(signed_in(client, rep).get(reverse("home")))
    assert f'href="{LIBRARY}"' in page and ">Content</a>" in page


def test_the_library_asks_as_many_queries_for_25_assets_as_for_5(client, rep, owner, frozen, monkeypatch):
    monkeypatch.setattr(library, "ASSETS_PER_PAGE", 50)
    tags = [TagFactory(name=f"Tag {n}") for n in range(3)]

    def make(count):
        for n in range(count):
            asset = with_preview(published_asset(owner=owner, title=f"Deck {Asset.objects.count()} {n}"))
            asset.tags.add(*tags)

    signed_in(client, rep)
    make(5)
    with CaptureQueriesContext(connection) as five:
        page = text_of(client.get(LIBRARY, {"q": "deck"}))
    assert page.count('<article class="asset-card') == 5
    make(20)
    with CaptureQueriesContext(connection) as twenty_five:
        page = text_of(client.get(LIBRARY, {"q": "deck"}))
    assert page.count('<article class="asset-card') == 25
    assert len(twenty_five) == len(five)


def test_the_library_query_count_is_pinned(client, rep, owner, live, frozen, django_assert_num_queries):
    for n in range(4):
        published_asset(owner=owner, title=f"Deck {n}").tags.add(TagFactory(name=f"Tag {n}"))
    signed_in(client, rep)
    client.get(LIBRARY)  # the session is read and the user loaded on every request
    # the session read (not written again within the minute), the user, their role names, model permissions (the
    # user's and their groups', for the page's buttons), the filter's tags, the count, the assets, their tags, the
    # nav's Approvals count
    with django_assert_num_queries(10):
        client.get(LIBRARY)


# --- an asset's page, as each role ----------------------------------------------------------------------------


def test_a_rep_sees_details_preview_download_and_the_share_form(client, rep, live, deal, contact):
    response = signed_in(client, rep).get(url("asset", live))
    page = text_of(response)
    assert response.status_code == 200
    assert "Pricing deck 2026" in page
    assert url("download", live) in page and url("preview", live) in page
    assert 'id="share"' in page and "Carla Cruz" in page
    for curators_only in ('id="versions"', 'id="history"', 'id="usage"', 'id="workflow"', 'id="decide"'):
        assert curators_only not in page
    assert not ContentUsage.objects.exists()  # the page itself is no view; its picture is a thumbnail


def test_a_contact_who_may_not_be_emailed_is_offered_disabled_with_the_reason(client, rep, live, deal, opted_out):
    page = text_of(signed_in(client, rep).get(url("asset", live)))
    option = re.search(rf'<option value="{deal.pk}:{opted_out.pk}"[^>]*>([^<]*)</option>', page)
    assert option is not None
    assert "disabled" in option.group(0)
    assert "opted out of e-mail" in option.group(1)


def test_an_internal_asset_says_why_it_cannot_be_shared(client, rep, owner, deal, contact, frozen):
    asset = published_asset(owner=owner, audience=Audience.INTERNAL)
    page = text_of(signed_in(client, rep).get(url("asset", asset)))
    assert "Internal only: this asset may not be shared with customers." in page
    assert url("share", asset) not in page


@pytest.mark.parametrize("state", ["draft", "archived", "expired"])
def test_a_rep_gets_404_for_an_asset_they_may_not_see(client, rep, owner, frozen, state):
    asset = published_asset(owner=owner)
    if state == "expired":
        asset.expires_on = TODAY
    else:
        asset.status = state
    asset.save()
    signed_in(client, rep)
    for name in ("asset", "download", "preview", "thumbnail"):
        assert client.get(url(name, asset)).status_code == 404, name
    assert not ContentUsage.objects.exists()


def test_a_manager_gets_404_for_another_owners_draft(client, manager, internal_asset):
    assert signed_in(client, manager).get(url("asset", internal_asset)).status_code == 404


def test_a_rep_cannot_download_an_old_version(client, rep, live):
    VersionFactory(asset=live, status=VersionStatus.SUPERSEDED)
    signed_in(client, rep)
    assert client.get(url("download", live, "?version=2")).status_code == 404
    assert client.get(url("download", live, "?version=x")).status_code == 404


def test_a_rep_downloads_the_current_version(client, rep, live):
    response = signed_in(client, rep).get(url("download", live))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert ContentUsage.objects.get().action == "download"


def test_the_owner_sees_versions_history_usage_and_their_buttons_but_no_approve(client, owner, customer_asset):
    VersionFactory(asset=customer_asset, note="First cut")
    asset_services.asset_submit(asset_id=customer_asset.pk, actor=owner)
    page = text_of(signed_in(client, owner).get(url("asset", customer_asset)))
    assert 'id="versions"' in page and "First cut" in page
    assert 'id="history"' in page and "Submitted for review" in page and "Draft → In review" in page
    assert "Mon 2 Mar 2026, 09:00 UTC" in page  # in the viewer's zone, named
    assert 'id="usage"' in page
    assert 'value="approve"' not in page  # nobody approves their own asset
    assert 'value="reject"' in page  # the review service lets a reviewing owner reject
    assert url("archive", customer_asset) in page
    assert url("submit", customer_asset) not in page  # a version is in review already


def test_the_owner_may_submit_a_draft_version(client, owner, customer_asset):
    VersionFactory(asset=customer_asset)
    page = text_of(signed_in(client, owner).get(url("asset", customer_asset)))
    assert url("submit", customer_asset) in page
    assert url("upload", customer_asset) in page
    assert url("reopen", customer_asset) not in page


def test_marketing_ops_may_approve_and_reject_anothers_version(client, marketing_ops, customer_asset):
    in_review(customer_asset)
    page = text_of(signed_in(client, marketing_ops).get(url("asset", customer_asset)))
    assert 'value="approve"' in page and 'value="reject"' in page
    assert "as Marketing ops" in page


def test_marketing_ops_who_approved_see_no_buttons_again(client, marketing_ops, customer_asset):
    version = in_review(customer_asset)
    VersionReview.objects.create(version=version, role="marketing_ops", decision="approved", reviewer=marketing_ops)
    page = text_of(signed_in(client, marketing_ops).get(url("asset", customer_asset)))
    assert 'value="approve"' not in page and 'value="reject"' not in page


def test_legal_reviews_customer_assets_only_and_edits_nothing(client, legal, customer_asset, internal_asset):
    in_review(customer_asset)
    in_review(internal_asset)
    signed_in(client, legal)
    page = text_of(client.get(url("asset", customer_asset)))
    assert 'value="approve"' in page
    assert url("upload", customer_asset) not in page and url("archive", customer_asset) not in page
    page = text_of(client.get(url("asset", internal_asset)))
    assert 'value="approve"' not in page and 'value="reject"' not in page
    assert 'id="versions"' in page  # a curator sees it all the same


def test_an_uploader_is_offered_no_approve(client, marketing_ops, customer_asset):
    in_review(customer_asset, uploaded_by=marketing_ops)
    page = text_of(signed_in(client, marketing_ops).get(url("asset", customer_asset)))
    assert 'value="approve"' not in page


def test_an_archived_asset_offers_reopen_only(client, owner, customer_asset):
    customer_asset.status = AssetStatus.ARCHIVED
    customer_asset.save()
    page = text_of(signed_in(client, owner).get(url("asset", customer_asset)))
    assert url("reopen", customer_asset) in page
    for name in ("archive", "submit", "upload"):
        assert url(name, customer_asset) not in page


def test_versions_show_why_there_is_no_text_or_preview(client, owner, customer_asset):
    VersionFactory(
        asset=customer_asset, text_status="none", text_note="The PDF is encrypted.", preview_note="Encrypted."
    )
    page = text_of(signed_in(client, owner).get(url("asset", customer_asset)))
    assert "The PDF is encrypted." in page


# --- sharing ---------------------------------------------------------------------------------------------------


def share(client, asset, deal, contact, note=""):
    return client.post(url("share", asset), {"recipient": f"{deal.pk}:{contact.pk}", "note": note})


def test_a_rep_records_a_share_and_is_redirected(client, rep, live, deal, contact):
    response = share(signed_in(client, rep), live, deal, contact, "After the demo")
    assert response.status_code == 302
    assert response["Location"] == url("asset", live)
    recorded = ContentShare.objects.get()
    assert (recorded.contact, recorded.opportunity, recorded.shared_by, recorded.note) == (
        contact,
        deal,
        rep,
        "After the demo",
    )
    page = text_of(client.get(response["Location"]))
    assert "Recorded: you shared “Pricing deck 2026” (version 1) with Carla Cruz on Globex renewal." in page


def test_a_share_to_an_opted_out_contact_is_refused_in_words(client, rep, live, deal, opted_out):
    response = share(signed_in(client, rep), live, deal, opted_out)
    assert response.status_code == 400
    page = text_of(response)
    assert "Owen Opted may not be e-mailed (opted out, consent withdrawn or no address)" in page
    assert "no_consent" not in page
    assert not ContentShare.objects.exists()


def test_a_share_on_another_reps_opportunity_is_refused(client, rep, other_rep, live, frozen):
    theirs = OpportunityFactory(owner=other_rep)
    contact = ContactFactory(account=theirs.account)
    response = share(signed_in(client, rep), live, theirs, contact)
    assert response.status_code == 400
    assert "Shares are recorded on one of your own opportunities." in text_of(response)
    assert not ContentShare.objects.exists()


def test_a_share_of_an_internal_asset_is_refused(client, rep, owner, deal, contact, frozen):
    asset = published_asset(owner=owner, audience=Audience.INTERNAL)
    response = share(signed_in(client, rep), asset, deal, contact)
    assert response.status_code == 400
    assert "for internal use only" in text_of(response)
    assert not ContentShare.objects.exists()


def test_a_share_with_no_contact_chosen_says_so(client, rep, live, deal, contact):
    response = signed_in(client, rep).post(url("share", live), {"recipient": ""})
    assert response.status_code == 400
    assert "Choose the contact you sent it to." in text_of(response)
    assert not ContentShare.objects.exists()


def test_marketing_ops_record_no_shares(client, marketing_ops, live, deal, contact):
    assert share(signed_in(client, marketing_ops), live, deal, contact).status_code == 403
    assert not ContentShare.objects.exists()


def test_closed_opportunities_are_not_offered(client, rep, live, frozen):
    won = OpportunityFactory(owner=rep, name="Done deal", stage=OpportunityStage.CLOSED_WON)
    ContactFactory(account=won.account)
    page = text_of(signed_in(client, rep).get(url("asset", live)))
    assert "Done deal" not in page
    assert "You have no open opportunity with contacts" in page


# --- uploads ---------------------------------------------------------------------------------------------------


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def upload(client, asset, name, content, note=""):
    return client.post(url("upload", asset), {"file": samples.upload(name, content), "note": note})


def test_the_owner_uploads_a_version(client, owner, customer_asset):
    response = upload(signed_in(client, owner), customer_asset, "deck.pdf", samples.pdf("Hello"), "New logos")
    assert response.status_code == 302 and response["Location"] == url("asset", customer_asset)
    version = customer_asset.versions.get()
    assert (version.number, version.note, version.display_name) == (1, "New logos", "deck.pdf")
    assert "Uploaded version 1 (deck.pdf)" in text_of(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("deck.pdf", bad_samples.WINDOWS_EXE, "Windows executable"),
        ("notes.docx", bad_samples.ELF, "Linux executable"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_refused_upload_is_a_form_error_and_leaves_nothing(
    client, owner, customer_asset, settings, name, content, reason
):
    before = stored_files(settings)
    response = upload(signed_in(client, owner), customer_asset, name, content)
    assert response.status_code == 400
    page = text_of(response)
    assert reason in page
    assert 'class="field-error"' in page
    assert not AssetVersion.objects.exists()
    assert stored_files(settings) == before


def test_an_upload_without_a_file_says_so(client, owner, customer_asset):
    response = signed_in(client, owner).post(url("upload", customer_asset), {"note": "x"})
    assert response.status_code == 400
    assert "Choose a file to upload." in text_of(response)


def test_the_same_file_twice_names_the_version(client, owner, customer_asset):
    signed_in(client, owner)
    upload(client, customer_asset, "deck.pdf", samples.pdf("Same"))
    response = upload(client, customer_asset, "again.pdf", samples.pdf("Same"))
    assert response.status_code == 400
    assert "This file is identical to version 1 of this asset." in text_of(response)
    assert customer_asset.versions.count() == 1


def test_the_same_file_on_another_asset_is_said(client, owner, customer_asset, internal_asset):
    signed_in(client, owner)
    upload(client, internal_asset, "deck.pdf", samples.pdf("Shared"))
    response = upload(client, customer_asset, "deck.pdf", samples.pdf("Shared"))
    assert response.status_code == 302
    page = text_of(client.get(response["Location"]))
    assert f"The same file is also on “{internal_asset.title}”." in page
    assert 'class="message info"' in page


def test_a_rep_uploads_nothing(client, rep, live):
    response = upload(signed_in(client, rep), live, "deck.pdf", samples.pdf("Mine"))
    assert response.status_code == 403
    assert live.versions.count() == 1


# --- moves and reviews -------------------------------------------------------------------------------------------


def test_the_owner_submits_and_is_redirected(client, owner, customer_asset):
    VersionFactory(asset=customer_asset)
    response = signed_in(client, owner).post(url("submit", customer_asset), {"reason": "Ready"})
    assert response.status_code == 302
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.IN_REVIEW
    assert AssetEvent.objects.filter(asset=customer_asset, kind="submitted", reason="Ready").exists()


def test_submitting_without_a_version_says_why(client, owner, customer_asset):
    response = signed_in(client, owner).post(url("submit", customer_asset), follow=True)
    assert "There is no new version to submit: upload a file first." in text_of(response)
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.DRAFT


def test_marketing_ops_approve_an_internal_asset_and_it_is_published(client, marketing_ops, internal_asset):
    version = in_review(internal_asset)
    response = signed_in(client, marketing_ops).post(url("decide", internal_asset), {"outcome": "approve"})
    assert response.status_code == 302
    internal_asset.refresh_from_db()
    assert (internal_asset.status, internal_asset.current_version) == (AssetStatus.PUBLISHED, version)
    assert "it is published" in text_of(client.get(response["Location"]))


def test_a_reject_without_a_comment_is_a_form_error(client, marketing_ops, customer_asset):
    in_review(customer_asset)
    response = signed_in(client, marketing_ops).post(url("decide", customer_asset), {"outcome": "reject"})
    assert response.status_code == 400
    assert "Say why the version is rejected." in text_of(response)
    assert not VersionReview.objects.exists()


def test_the_owner_cannot_approve_by_posting(client, owner, customer_asset):
    in_review(customer_asset)
    response = signed_in(client, owner).post(url("decide", customer_asset), {"outcome": "approve"})
    assert response.status_code == 403
    assert not VersionReview.objects.exists()


def test_a_rep_cannot_decide(client, rep, live):
    assert signed_in(client, rep).post(url("decide", live), {"outcome": "approve"}).status_code == 403


def test_archive_and_reopen(client, owner, customer_asset):
    signed_in(client, owner)
    assert client.post(url("archive", customer_asset), {"reason": "Old"}).status_code == 302
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.ARCHIVED
    assert client.post(url("reopen", customer_asset)).status_code == 302
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.DRAFT


def test_a_rep_cannot_archive(client, rep, live):
    assert signed_in(client, rep).post(url("archive", live)).status_code == 403
    live.refresh_from_db()
    assert live.status == AssetStatus.PUBLISHED


# --- a new asset --------------------------------------------------------------------------------------------------


def create_data(**overrides):
    data = {
        "title": "Retail one-pager",
        "kind": "one_pager",
        "audience": "customer",
        "language": "en",
        "review_by": "2027-03-01",
        "file": samples.upload("retail.pdf", samples.pdf("Retail")),
    }
    return data | overrides


def test_marketing_ops_create_an_asset_with_its_first_file(client, marketing_ops, frozen):
    TagFactory(name="Retail")
    response = signed_in(client, marketing_ops).post(
        reverse("marketing_ops:content_create"), create_data(tags=["retail"])
    )
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert (asset.title, asset.status, asset.owner) == ("Retail one-pager", AssetStatus.DRAFT, marketing_ops)
    assert [t.name for t in asset.tags.all()] == ["Retail"]
    assert asset.versions.get().number == 1


def test_a_new_asset_with_a_refused_file_is_not_created(client, marketing_ops, settings, frozen):
    before = stored_files(settings)
    response = signed_in(client, marketing_ops).post(
        reverse("marketing_ops:content_create"), create_data(file=samples.upload("x.pdf", bad_samples.WINDOWS_EXE))
    )
    assert response.status_code == 400
    assert "Windows executable" in text_of(response)
    assert not Asset.objects.exists()
    assert stored_files(settings) == before


def test_a_rep_may_not_create_assets(client, rep):
    signed_in(client, rep)
    assert client.get(reverse("marketing_ops:content_create")).status_code == 403


# --- the review queue and the reports ---------------------------------------------------------------------------


def test_the_review_queue_lists_what_waits_for_the_reviewer(
    client, marketing_ops, legal, customer_asset, internal_asset
):
    in_review(customer_asset)
    in_review(internal_asset)
    signed_in(client, legal)
    page = text_of(client.get(reverse("marketing_ops:content_review_queue")))
    assert customer_asset.title in page and internal_asset.title not in page
    signed_in(client, marketing_ops)
    page = text_of(client.get(reverse("marketing_ops:content_review_queue")))
    assert customer_asset.title in page and internal_asset.title in page


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_the_review_queue_is_for_reviewers(client, request, role):
    user = request.getfixturevalue(role)
    assert signed_in(client, user).get(reverse("marketing_ops:content_review_queue")).status_code == 403


def test_reports_show_use_and_win_rates_with_their_counts(client, manager, rep, live, deal, contact, frozen):
    ContentUsage.objects.create(asset=live, version=live.current_version, user=rep, action="download")
    won = OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_WON, close_date=TODAY)
    lost = OpportunityFactory(owner=rep, stage=OpportunityStage.CLOSED_LOST, close_date=TODAY)
    for opportunity in (won, lost):
        ContentShare.objects.create(
            asset=live, version=live.current_version, contact=ContactFactory(account=opportunity.account),
            opportunity=opportunity, shared_by=rep,
        )  # fmt: skip
    page = text_of(signed_in(client, manager).get(reverse("marketing_ops:content_reports")))
    assert "Pricing deck 2026" in page
    win = re.search(rf'<tr id="win-{live.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "1 of 2" in win and "50 %" in win and "0 of 0" in win


def test_reports_are_for_ops_and_managers(client, rep):
    assert signed_in(client, rep).get(reverse("marketing_ops:content_reports")).status_code == 403


def test_a_contact_who_withdrew_consent_is_offered_disabled(client, rep, live, deal):
    withdrawn = ContactFactory(account=deal.account, consent_status=ConsentStatus.WITHDRAWN)
    page = text_of(signed_in(client, rep).get(url("asset", live)))
    option = re.search(rf'<option value="{deal.pk}:{withdrawn.pk}"[^>]*>([^<]*)</option>', page)
    assert "disabled" in option.group(0) and "consent withdrawn" in option.group(1)


def test_an_asset_expires_by_the_librarys_day_whatever_the_viewers_zone(client, rep, owner, frozen):
    frozen.move_to(dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC))  # already 3 March in Kiritimati (UTC+14)
    rep.time_zone = "Pacific/Kiritimati"
    rep.save()
    published_asset(owner=owner, title="Until tomorrow", expires_on=TODAY + dt.timedelta(days=1))
    assert "Until tomorrow" in text_of(signed_in(client, rep).get(LIBRARY))


# --- post/redirect/get: a form's error page stays at its address, and that address never answers 405 --------------


@pytest.mark.parametrize(
    ("who", "action", "data", "error"),
    [
        ("rep", "share", {"recipient": ""}, "Choose the contact you sent it to."),
        ("owner", "upload", {"note": "x"}, "Choose a file to upload."),
        ("marketing_ops", "decide", {"outcome": "reject"}, "Say why the version is rejected."),
    ],
)
def test_a_form_error_is_shown_at_the_forms_address_and_a_get_there_goes_back_to_the_asset(
    client, request, live, who, action, data, error
):
    if action == "decide":
        in_review(live)
    signed_in(client, request.getfixturevalue(who))
    posted = client.post(url(action, live), data)
    assert posted.status_code == 400 and posted.request["PATH_INFO"] == url(action, live)
    assert error in text_of(posted)
    again = client.get(url(action, live))  # the address left in the bar, reloaded from it
    assert again.status_code == 302 and again["Location"] == url("asset", live)
    assert client.put(url(action, live)).status_code == 405
