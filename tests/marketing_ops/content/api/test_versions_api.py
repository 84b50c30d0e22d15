"""POST /api/v1/content/assets/{id}/versions/: a multipart upload becomes a draft version; every refusal is a 400
(or the middleware's 413) naming `file` with a code, and leaves no row, no stored file and no temporary file."""

import pytest

from apps.marketing_ops.content.factories import AssetFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetEvent, AssetStatus, AssetVersion
from tests import samples

KB = 1024


@pytest.fixture
def uploads(settings, tmp_path):
    """Django's temporary upload folder, every file part going there (not to memory), to be checked empty."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


@pytest.fixture
def asset(internal_asset):
    return internal_asset


def url(asset) -> str:
    return f"/api/v1/content/assets/{asset.pk}/versions/"


def stored(settings) -> list[str]:
    media = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()) if media.exists() else []


def post(api, user, asset, data, **kwargs):
    return api.as_user(user).post(url(asset), data, format="multipart", **kwargs)


def test_the_owner_uploads_a_pdf_as_a_draft_version(api, owner, asset, uploads, settings):
    response = post(api, owner, asset, {"file": samples.upload("Pricing.pdf", samples.PDF), "note": "First cut"})
    assert response.status_code == 201, response.content
    version = response.json()["version"]
    assert (version["number"], version["status"], version["display_name"], version["note"]) == (
        1,
        "draft",
        "Pricing.pdf",
        "First cut",
    )
    assert version["mime_type"] == "application/pdf" and version["size"] == len(samples.PDF)
    assert response.json()["same_file_on"] == []
    assert stored(settings) == [AssetVersion.objects.get().file.name]
    assert not any(uploads.iterdir())


def test_the_same_file_on_another_asset_is_allowed_and_named(api, owner, asset, uploads):
    other = AssetFactory(owner=owner, title="Sister deck")
    assert post(api, owner, other, {"file": samples.upload("a.pdf", samples.PDF)}).status_code == 201
    response = post(api, owner, asset, {"file": samples.upload("b.pdf", samples.PDF)})
    assert response.status_code == 201
    assert response.json()["same_file_on"] == [{"id": other.pk, "title": "Sister deck"}]


def test_an_office_document_is_taken_by_its_content(api, owner, asset, uploads):
    response = post(api, owner, asset, {"file": samples.upload("notes.docx", samples.ooxml())})
    assert response.status_code == 201
    assert response.json()["version"]["file_kind"] == "office"


def refused(api, user, asset, data, settings, uploads, *, status=400, **kwargs) -> dict:
    before = stored(settings)
    rows = (AssetVersion.objects.count(), AssetEvent.objects.count())
    response = post(api, user, asset, data, **kwargs)
    assert response.status_code == status, response.content
    assert (AssetVersion.objects.count(), AssetEvent.objects.count()) == rows
    assert stored(settings) == before
    assert not any(uploads.iterdir())
    return response.json()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("quote.pdf", samples.WINDOWS_EXE, "a Windows executable"),
        ("redline.docx", samples.ELF, "ELF"),
        ("logo.png", b"<html><script>alert(1)</script></html>", "markup"),
        ("macro.docx", samples.ooxml(macros=True), "macro-enabled"),
        ("bundle.pdf", samples.plain_zip(), "ZIP archive"),
    ],
)
def test_a_file_of_a_type_not_taken_is_refused(api, owner, asset, uploads, settings, name, content, says):
    body = refused(api, owner, asset, {"file": samples.upload(name, content)}, settings, uploads)
    assert body["code"] == "file_type" and says in body["file"][0]


def test_an_empty_file_is_refused(api, owner, asset, uploads, settings):
    body = refused(api, owner, asset, {"file": samples.upload("empty.pdf", b"")}, settings, uploads)
    assert (body["code"], body["file"]) == ("empty", ["The file is empty."])


def test_a_missing_file_part_is_refused(api, owner, asset, uploads, settings):
    body = refused(api, owner, asset, {"note": "forgot it"}, settings, uploads)
    assert (body["code"], body["file"]) == ("required", ["Choose a file to upload."])


def test_a_file_part_that_is_text_is_refused(api, owner, asset, uploads, settings):
    body = refused(api, owner, asset, {"file": "not a file"}, settings, uploads)
    assert "file" in body


def test_a_file_over_the_content_limit_is_refused(api, owner, asset, uploads, settings):
    settings.CONTENT_UPLOAD_MAX_BYTES = 4 * KB
    big = samples.upload("big.pdf", samples.PDF + b"x" * (8 * KB))
    body = refused(api, owner, asset, {"file": big}, settings, uploads)
    assert (body["code"], body["file"]) == ("too_large", ["A file may be at most 4 KB."])


def test_a_body_over_the_request_limit_is_the_middlewares_413(api, owner, asset, uploads, settings):
    settings.UPLOAD_MAX_BYTES = settings.CONTENT_UPLOAD_MAX_BYTES = 4 * KB
    big = samples.upload("big.pdf", samples.PDF + b"x" * (1100 * KB))  # past the limit and the form's allowance
    body = refused(api, owner, asset, {"file": big}, settings, uploads, status=413)
    assert body == {"detail": "The upload is too large: a file may be at most 4 KB.", "code": "too_large"}


def test_the_same_file_twice_names_the_version(api, owner, asset, uploads, settings):
    assert post(api, owner, asset, {"file": samples.upload("a.pdf", samples.PDF)}).status_code == 201
    body = refused(api, owner, asset, {"file": samples.upload("again.pdf", samples.PDF)}, settings, uploads)
    assert body["code"] == "duplicate"
    assert body["file"] == ["This file is identical to version 1 of this asset."]
    assert AssetVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\n%PDF\r\n--x--\r\n"),
        ("multipart/form-data; boundary=\x00bad", b"garbage"),
    ],
)
def test_a_malformed_multipart_body_is_a_400_naming_file(api, owner, asset, uploads, settings, content_type, payload):
    client = api.as_user(owner)
    before = stored(settings)
    response = client.generic("POST", url(asset), payload, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "malformed" and "multipart" in response.json()["file"][0]
    assert not AssetVersion.objects.exists() and stored(settings) == before
    assert not any(uploads.iterdir())


def test_a_json_body_is_a_415(api, owner, asset):
    response = api.as_user(owner).post(url(asset), {"file": "x"}, format="json")
    assert response.status_code == 415
    assert not AssetVersion.objects.exists()


def test_an_archived_asset_takes_no_version(api, owner, asset, uploads, settings):
    asset.status = AssetStatus.ARCHIVED
    asset.save()
    body = refused(api, owner, asset, {"file": samples.upload("a.pdf", samples.PDF)}, settings, uploads, status=409)
    assert body["code"] == "archived"


def test_a_note_past_its_limit_is_refused_naming_it(api, owner, asset, uploads, settings):
    body = refused(
        api, owner, asset, {"file": samples.upload("a.pdf", samples.PDF), "note": "x" * 501}, settings, uploads
    )
    assert "note" in body


def test_a_path_like_or_very_long_name_is_only_a_cleaned_label(api, owner, asset, uploads, settings):
    response = post(api, owner, asset, {"file": samples.upload("../../etc/" + "a" * 1000 + ".pdf", samples.PDF)})
    assert response.status_code == 201, response.content
    version = AssetVersion.objects.get()
    assert "/" not in version.display_name and len(version.display_name) <= 200
    assert "etc" not in version.file.name and version.file.name.startswith(f"content/{asset.pk}/")


def test_a_rep_may_not_upload_to_a_live_asset(api, rep, owner, uploads, settings, frozen):
    live = published_asset(owner=owner)
    files = stored(settings)
    response = post(api, rep, live, {"file": samples.upload("mine.pdf", samples.ooxml())})
    assert response.status_code == 403
    assert live.versions.count() == 1 and stored(settings) == files


def test_a_rep_uploading_to_a_draft_they_cannot_see_gets_a_404(api, rep, asset, uploads, settings):
    response = post(api, rep, asset, {"file": samples.upload("mine.pdf", samples.PDF)})
    assert response.status_code == 404
    assert not AssetVersion.objects.exists() and stored(settings) == []


def test_marketing_ops_upload_to_an_asset_they_do_not_own(api, marketing_ops, asset, uploads):
    VersionFactory(asset=asset)
    response = post(api, marketing_ops, asset, {"file": samples.upload("v2.pdf", samples.PDF)})
    assert response.status_code == 201 and response.json()["version"]["number"] == 2
