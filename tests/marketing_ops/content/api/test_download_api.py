"""GET /api/v1/content/assets/{id}/download/ and preview/: the current version for everyone who may see the asset,
`?version=N` for owners and curators, a 404 for anything else, and usage recorded only for what was sent."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from apps.marketing_ops.content.factories import AssetFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetStatus, Audience, ContentUsage, VersionStatus
from tests import samples
from tests.marketing_ops.content.conftest import TODAY


@pytest.fixture
def deck(owner, frozen):
    """A published customer deck whose v2 (with a preview) superseded v1."""
    asset = published_asset(owner=owner, title="Pricing deck")
    old = asset.current_version
    old.status = VersionStatus.SUPERSEDED
    old.save()
    new = VersionFactory(
        asset=asset,
        status=VersionStatus.PUBLISHED,
        display_name="pricing.pdf",
        preview=ContentFile(samples.PNG, name="preview.png"),
    )
    asset.current_version = new
    asset.save()
    return asset


def download(api, user, asset, **query):
    return api.as_user(user).get(f"/api/v1/content/assets/{asset.pk}/download/", query)


def content(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def test_a_rep_downloads_the_current_version(api, rep, deck):
    response = download(api, rep, deck)
    assert content(response) == deck.current_version.file.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="pricing.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    usage = ContentUsage.objects.get()
    assert (usage.user, usage.version, usage.action) == (rep, deck.current_version, "download")


def test_a_client_accepting_only_the_files_type_gets_the_file(api, rep, deck):
    response = api.as_user(rep).get(f"/api/v1/content/assets/{deck.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert content(response).startswith(b"%PDF")


def test_a_rep_may_name_the_current_version(api, rep, deck):
    assert content(download(api, rep, deck, version=2)).startswith(b"%PDF")


def rep_gets_404(api, rep, asset, **query):
    response = download(api, rep, asset, **query)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert not ContentUsage.objects.exists()


def test_a_rep_asking_for_an_old_version_gets_a_404(api, rep, deck):
    rep_gets_404(api, rep, deck, version=1)


def test_a_rep_asking_for_a_version_that_does_not_exist_gets_a_404(api, rep, deck):
    rep_gets_404(api, rep, deck, version=9)


@pytest.mark.parametrize("status", [AssetStatus.DRAFT, AssetStatus.IN_REVIEW, AssetStatus.ARCHIVED])
def test_a_rep_asking_for_an_asset_not_published_gets_a_404(api, rep, deck, status):
    deck.status = status
    deck.save()
    rep_gets_404(api, rep, deck)


def test_a_rep_asking_for_an_expired_asset_gets_a_404(api, rep, deck):
    deck.expires_on = TODAY
    deck.save()
    rep_gets_404(api, rep, deck)


def test_a_rep_asking_for_an_internal_draft_gets_a_404(api, rep, owner, frozen):
    draft = AssetFactory(owner=owner, audience=Audience.INTERNAL)
    VersionFactory(asset=draft)
    rep_gets_404(api, rep, draft)


def test_a_rep_downloads_a_live_internal_asset(api, rep, owner, frozen):
    internal = published_asset(owner=owner, audience=Audience.INTERNAL, expires_on=TODAY + dt.timedelta(days=1))
    assert content(download(api, rep, internal)).startswith(b"%PDF")


def test_a_missing_asset_is_a_404(api, rep, deck):
    response = api.as_user(rep).get("/api/v1/content/assets/999999/download/")
    assert response.status_code == 404 and not ContentUsage.objects.exists()


@pytest.mark.parametrize("user", ["owner", "marketing_ops", "legal"])
def test_owners_and_curators_download_any_version(api, request, deck, user):
    person = request.getfixturevalue(user)
    old = deck.versions.get(number=1)
    assert content(download(api, person, deck, version=1)) == old.file.open("rb").read()
    assert ContentUsage.objects.get().version == old


def test_curators_download_a_draft_version(api, legal, owner, frozen):
    draft = AssetFactory(owner=owner)
    VersionFactory(asset=draft)
    assert content(download(api, legal, draft, version=1)).startswith(b"%PDF")


def test_an_asset_never_published_has_no_current_file(api, marketing_ops, owner, frozen):
    draft = AssetFactory(owner=owner)
    VersionFactory(asset=draft)
    assert download(api, marketing_ops, draft).status_code == 404
    assert not ContentUsage.objects.exists()


@pytest.mark.parametrize("version", ["two", "0", "-1", "99999999999"])
def test_a_version_that_is_no_number_is_a_400_naming_it(api, owner, deck, version):
    response = download(api, owner, deck, version=version)
    assert response.status_code == 400 and "version" in response.json()
    assert not ContentUsage.objects.exists()


def test_anonymous_callers_get_no_file(api, deck):
    assert api.get(f"/api/v1/content/assets/{deck.pk}/download/").status_code == 401
    assert not ContentUsage.objects.exists()


# --- the preview ------------------------------------------------------------------------------------------------


def test_a_rep_sees_the_preview_inline_and_a_view_is_recorded(api, rep, deck):
    response = api.as_user(rep).get(f"/api/v1/content/assets/{deck.pk}/preview/")
    assert content(response) == samples.PNG
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert ContentUsage.objects.get().action == "view"


def test_a_version_without_a_preview_is_a_404(api, owner, deck):
    response = api.as_user(owner).get(f"/api/v1/content/assets/{deck.pk}/preview/", {"version": 1})
    assert response.status_code == 404 and not ContentUsage.objects.exists()


def test_a_rep_gets_no_preview_of_an_archived_asset(api, rep, deck):
    deck.status = AssetStatus.ARCHIVED
    deck.save()
    assert api.as_user(rep).get(f"/api/v1/content/assets/{deck.pk}/preview/").status_code == 404
    assert not ContentUsage.objects.exists()
