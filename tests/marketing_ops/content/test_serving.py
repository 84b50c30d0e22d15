"""Every download path: who gets which version (404 for the rest), the headers, and usage only for what was served."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import Http404

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content import serving
from apps.marketing_ops.content.factories import AssetFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetStatus, Audience, ContentUsage, VersionStatus
from tests import samples
from tests.marketing_ops.content.conftest import TODAY


@pytest.fixture
def library(owner, frozen):
    """A published customer asset whose v2 superseded v1."""
    asset = published_asset(owner=owner, title="Pricing deck")
    old = asset.current_version
    old.status = VersionStatus.SUPERSEDED
    old.save()
    new = VersionFactory(asset=asset, status=VersionStatus.PUBLISHED, display_name="pricing.pdf")
    asset.current_version = new
    asset.save()
    return asset


def body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        # Not response.close(): that signals the end of a request, which closes the test's database connection.
        response.file_to_stream.close()


def get(user, asset, number=None, **kwargs):
    return body(serving.download_response(user=user, asset_id=asset.pk, number=number, **kwargs))


def not_found(user, asset_id, number=None):
    with pytest.raises(Http404):
        serving.download_response(user=user, asset_id=asset_id, number=number)
    assert not ContentUsage.objects.exists()


def test_a_rep_downloads_the_current_version_as_an_attachment(library, rep):
    response = serving.download_response(user=rep, asset_id=library.pk)
    assert body(response) == library.current_version.file.open("rb").read()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="pricing.pdf"'
    assert response["Content-Type"] == "application/pdf"
    usage = ContentUsage.objects.get()
    assert (usage.user, usage.version, usage.action) == (rep, library.current_version, "download")


def test_a_rep_may_name_the_current_version(library, rep):
    get(rep, library, number=2)
    assert ContentUsage.objects.get().version.number == 2


def test_a_rep_downloads_an_internal_live_asset(owner, rep, frozen):
    internal = published_asset(owner=owner, audience=Audience.INTERNAL)
    get(rep, internal)
    assert ContentUsage.objects.count() == 1


def test_a_rep_gets_no_old_version(library, rep):
    not_found(rep, library.pk, number=1)


@pytest.mark.parametrize("status", [AssetStatus.DRAFT, AssetStatus.IN_REVIEW, AssetStatus.ARCHIVED])
def test_a_rep_gets_nothing_of_an_asset_not_published(library, rep, status):
    library.status = status
    library.save()
    not_found(rep, library.pk)


def test_a_rep_gets_nothing_of_an_asset_expiring_today(library, rep):
    library.expires_on = TODAY
    library.save()
    not_found(rep, library.pk)


def test_an_asset_expiring_tomorrow_is_still_served(library, rep):
    library.expires_on = TODAY + dt.timedelta(days=1)
    library.save()
    get(rep, library)


def test_a_draft_never_published_is_a_404_even_by_id(owner, rep, frozen):
    draft = AssetFactory(owner=owner)
    VersionFactory(asset=draft)
    not_found(rep, draft.pk)
    not_found(rep, draft.pk, number=1)


def test_an_unknown_asset_is_a_404(rep, db):
    not_found(rep, 999_999)


def test_nobody_signed_out_gets_anything(library):
    not_found(AnonymousUser(), library.pk)


@pytest.mark.parametrize("who", ["owner", "marketing_ops", "legal"])
def test_owners_and_reviewers_read_old_versions(library, who, request):
    user = request.getfixturevalue(who)
    get(user, library, number=1)
    usage = ContentUsage.objects.get()
    assert (usage.user, usage.version.number) == (user, 1)


@pytest.mark.parametrize("who", ["owner", "marketing_ops", "legal"])
def test_owners_and_reviewers_read_an_archived_asset(library, who, request):
    library.status = AssetStatus.ARCHIVED
    library.save()
    get(request.getfixturevalue(who), library)


def test_an_owner_outside_the_curators_reads_their_own_drafts_only(frozen, manager):
    theirs = AssetFactory(owner=manager)
    VersionFactory(asset=theirs)
    get(manager, theirs, number=1)
    colleague = UserFactory(username="mgr2", roles=[Role.MANAGER])
    with pytest.raises(Http404):
        serving.download_response(user=colleague, asset_id=theirs.pk, number=1)


def test_a_curator_asking_for_a_version_that_does_not_exist_gets_a_404(library, marketing_ops):
    not_found(marketing_ops, library.pk, number=7)


def test_a_curator_asking_for_the_current_version_of_a_draft_gets_a_404(owner, marketing_ops, frozen):
    draft = AssetFactory(owner=owner)
    VersionFactory(asset=draft)
    not_found(marketing_ops, draft.pk)


def test_a_missing_file_is_a_404_and_no_usage(library, rep):
    version = library.current_version
    version.file.storage.delete(version.file.name)
    not_found(rep, library.pk)


def test_a_pdf_asked_for_inline_is_shown_and_counted_as_a_view(library, rep):
    response = serving.download_response(user=rep, asset_id=library.pk, inline=True)
    body(response)
    assert response["Content-Disposition"] == 'inline; filename="pricing.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert ContentUsage.objects.get().action == "view"


def test_text_is_never_inline(library, owner, rep):
    version = VersionFactory(
        asset=library, status=VersionStatus.DRAFT, mime_type="text/plain", file_kind="text", display_name="notes.txt"
    )
    response = serving.version_response(version, inline=True)
    body(response)
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_preview_is_served_inline_and_counted(library, rep):
    version = library.current_version
    version.preview.save("p.png", ContentFile(samples.PNG))
    response = serving.preview_response(user=rep, asset_id=library.pk)
    assert body(response) == samples.PNG
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("inline;")
    assert ContentUsage.objects.get().action == "view"


def test_no_preview_is_a_404_and_no_usage(library, rep):
    with pytest.raises(Http404):
        serving.preview_response(user=rep, asset_id=library.pk)
    assert not ContentUsage.objects.exists()


def test_a_rep_gets_no_preview_of_an_old_version(library, rep):
    old = library.versions.get(number=1)
    old.preview.save("p.png", ContentFile(samples.PNG))
    with pytest.raises(Http404):
        serving.preview_response(user=rep, asset_id=library.pk, number=1)
    assert not ContentUsage.objects.exists()
