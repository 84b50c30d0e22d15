"""Uploading versions: checked by content, numbered, stored under our name, duplicates refused, nothing left behind."""

import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings

from apps.core.exceptions import ApplicationError
from apps.marketing_ops.content import tasks
from apps.marketing_ops.content.factories import AssetFactory
from apps.marketing_ops.content.models import AssetEvent, AssetStatus, AssetVersion, VersionStatus
from apps.marketing_ops.content.services import versions
from tests import samples


def stored() -> list[str]:
    """Every file under the storage folder (the test's own MEDIA_ROOT), relative to it."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf(tag: str = "") -> bytes:
    return samples.PDF + f"% {tag}\n".encode()


def upload(asset, actor, name="deck.pdf", content=None, **kwargs):
    return versions.version_upload(
        asset_id=asset.pk, actor=actor, upload=samples.upload(name, pdf(name) if content is None else content), **kwargs
    )


def refused(asset, actor, name, content) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        upload(asset, actor, name, content)
    return caught.value


def test_an_upload_is_a_draft_version_one_stored_under_a_generated_name(internal_asset, owner):
    result = upload(internal_asset, owner, "Q3 deck.pdf", note="First cut")
    version = result.version
    assert (version.number, version.status, version.uploaded_by) == (1, VersionStatus.DRAFT, owner)
    assert (version.display_name, version.mime_type, version.file_kind) == ("Q3 deck.pdf", "application/pdf", "pdf")
    assert re.fullmatch(rf"content/{internal_asset.pk}/[0-9a-f]{{32}}\.pdf", version.file.name)
    assert stored() == [version.file.name]
    assert version.size == len(pdf("Q3 deck.pdf")) and len(version.sha256) == 64
    assert result.same_file_on == []


def test_an_upload_is_recorded_in_the_history(internal_asset, owner):
    version = upload(internal_asset, owner).version
    event = AssetEvent.objects.get(asset=internal_asset)
    assert (event.kind, event.version, event.actor) == (AssetEvent.Kind.UPLOADED, version, owner)


def test_each_upload_is_the_next_number(internal_asset, owner):
    numbers = [upload(internal_asset, owner, content=pdf(str(n))).version.number for n in range(3)]
    assert numbers == [1, 2, 3]


def test_a_published_asset_takes_a_new_draft_version_and_stays_published(owner, frozen):
    from apps.marketing_ops.content.factories import published_asset

    asset = published_asset(owner=owner)
    version = upload(asset, owner).version
    asset.refresh_from_db()
    assert (version.number, version.status, asset.status) == (2, VersionStatus.DRAFT, AssetStatus.PUBLISHED)


def test_processing_is_enqueued_once_the_upload_commits(internal_asset, owner, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.version_process_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            version = upload(internal_asset, owner).version
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(version.pk)


def test_the_content_limit_applies_not_the_general_one(internal_asset, owner, settings):
    settings.UPLOAD_MAX_BYTES, settings.CONTENT_UPLOAD_MAX_BYTES = 10, 1024 * 1024
    assert upload(internal_asset, owner).version.number == 1


@pytest.mark.parametrize(
    ("name", "content", "code", "says"),
    [
        ("setup.pdf", samples.WINDOWS_EXE, "file_type", "Windows executable"),
        ("report.docx", samples.ELF, "file_type", "Linux executable"),
        ("photo.png", b"<html><body><script>alert(1)</script></body></html>", "file_type", "markup"),
        ("empty.pdf", b"", "empty", "empty"),
        ("bundle.docx", samples.plain_zip(), "file_type", "ZIP archive"),
        ("macros.docx", samples.ooxml(macros=True), "file_type", "macro-enabled"),
    ],
)
def test_a_file_is_judged_by_its_content_and_refused_leaving_nothing(internal_asset, owner, name, content, code, says):
    upload(internal_asset, owner, "earlier.pdf")  # the folder is not empty: a stray file would show
    before = stored()
    error = refused(internal_asset, owner, name, content)
    assert (error.code, error.field) == (code, "file") and says in error.message
    assert internal_asset.versions.count() == 1
    assert AssetEvent.objects.filter(asset=internal_asset).count() == 1
    assert stored() == before


def test_an_oversized_file_is_refused_naming_the_limit(internal_asset, owner, settings):
    settings.CONTENT_UPLOAD_MAX_BYTES = 1024
    error = refused(internal_asset, owner, "big.pdf", samples.PDF + b"x" * 2048)
    assert (error.code, error.field) == ("too_large", "file") and "1 KB" in error.message
    assert not AssetVersion.objects.exists() and stored() == []


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\olga\\Desktop\\deck.pdf", "deck.pdf"),
        ("deck\u202egnp.pdf", "deckgnp.pdf"),  # a right-to-left override must not disguise the name
        ("x" * 1000 + ".pdf", "x" * 196 + ".pdf"),
        ("setup.exe", "setup.pdf"),  # the label carries the detected type, not the claimed one
    ],
)
def test_the_users_file_name_is_only_a_cleaned_label(internal_asset, owner, name, label):
    version = upload(internal_asset, owner, name).version
    assert version.display_name == label
    assert re.fullmatch(rf"content/{internal_asset.pk}/[0-9a-f]{{32}}\.pdf", version.file.name)


def test_the_same_file_twice_on_one_asset_is_refused_naming_the_version(internal_asset, owner):
    upload(internal_asset, owner, content=pdf("one"))
    upload(internal_asset, owner, content=pdf("two"))
    before = stored()
    error = refused(internal_asset, owner, "again.pdf", pdf("one"))
    assert (error.code, error.field) == ("duplicate", "file")
    assert "identical to version 1" in error.message
    assert internal_asset.versions.count() == 2 and stored() == before


def test_the_same_file_on_another_asset_is_allowed_and_said(internal_asset, owner):
    other = AssetFactory(owner=owner, title="Another deck")
    upload(other, owner, content=pdf("shared"))
    result = upload(internal_asset, owner, content=pdf("shared"))
    assert result.version.number == 1
    assert result.same_file_on == [other]


def test_an_archived_asset_takes_no_upload(internal_asset, owner):
    internal_asset.status = AssetStatus.ARCHIVED
    internal_asset.save()
    error = refused(internal_asset, owner, "deck.pdf", pdf())
    assert error.code == "archived" and not AssetVersion.objects.exists() and stored() == []


def test_only_an_editor_uploads(internal_asset, rep):
    error = refused(internal_asset, rep, "deck.pdf", pdf())
    assert (error.code, error.status_code) == ("forbidden", 403)
    assert not AssetVersion.objects.exists() and stored() == []


def test_a_failure_after_the_file_was_stored_deletes_it_again(internal_asset, owner):
    failing = mock.patch.object(versions, "asset_event", side_effect=RuntimeError("database went away"))
    with failing, pytest.raises(RuntimeError):
        upload(internal_asset, owner)
    assert not AssetVersion.objects.exists()
    assert stored() == []
