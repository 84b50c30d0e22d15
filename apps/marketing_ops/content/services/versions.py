"""Versions: an upload checked by its content, stored under a generated name, numbered N+1, processed afterwards.

A refused upload leaves nothing behind: every check runs before the file reaches storage, and a stored file whose
row is not written (any error after the save) is deleted again before the error goes on.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from apps.core import files
from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.models import User
from apps.core.services.dispatch import enqueue_after_commit
from apps.marketing_ops.content.models import Asset, AssetStatus, AssetVersion, VersionStatus
from apps.marketing_ops.content.services.guards import (
    VERSION_NOTE_MAX,
    Kind,
    as_editor,
    asset_event,
    asset_locked,
    next_version_number,
    text,
)

logger = logging.getLogger(__name__)

# What the library takes: documents, images, plain text and MP4 video, up to CONTENT_UPLOAD_MAX_BYTES.
CONTENT_KINDS = frozenset({files.PDF, files.OFFICE, files.IMAGE, files.TEXT, files.VIDEO})


@dataclass
class UploadResult:
    """The new version, and the other assets (that the uploader may see) that hold the very same file."""

    version: AssetVersion
    same_file_on: list[Asset] = field(default_factory=list)


def _same_file_on(asset: Asset, sha256: str, actor: User) -> list[Asset]:
    others = Asset.objects.filter(versions__sha256=sha256).exclude(pk=asset.pk).distinct().order_by("title", "pk")
    if not actor.has_perm("marketing_ops.may_review_content"):  # a curator sees every asset; an owner their own
        others = others.filter(owner=actor)
    return list(others)


def _process_later(version_id: int) -> None:
    # Imported here: the task module imports the services, and services must not import it at load time.
    from apps.marketing_ops.content import tasks

    enqueue_after_commit(tasks.version_process_task, version_id)


@transaction.atomic
def version_upload(*, asset_id: int, actor: User, upload, note: str = "") -> UploadResult:
    """A new draft version N+1 of an asset that is not archived, from `upload` (a Django UploadedFile)."""
    asset = asset_locked(asset_id)
    as_editor(asset, actor, "upload a version")
    if asset.status == AssetStatus.ARCHIVED:
        raise ConflictError("An archived asset takes no new versions; reopen it first.", code="archived")
    note = text(note, "note", limit=VERSION_NOTE_MAX, label="The note")
    if upload is None:
        raise ApplicationError("Choose a file to upload.", field="file", code="required")
    checked = files.check_upload(upload, allowed=CONTENT_KINDS, max_bytes=settings.CONTENT_UPLOAD_MAX_BYTES)
    duplicate = asset.versions.filter(sha256=checked.sha256).values_list("number", flat=True).first()
    if duplicate is not None:
        raise ApplicationError(
            f"This file is identical to version {duplicate} of this asset.", field="file", code="duplicate"
        )
    version = AssetVersion(
        asset=asset,
        number=next_version_number(asset),
        status=VersionStatus.DRAFT,
        display_name=checked.display_name,
        mime_type=checked.mime_type,
        file_kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        note=note,
        uploaded_by=actor,
    )
    # Every check has passed: only now does the file reach storage (streamed in chunks by the storage backend).
    version.file.save(checked.stored_name(), upload, save=False)
    try:
        version.save()
        asset_event(
            asset=asset, kind=Kind.UPLOADED, actor=actor, version=version,
            reason=f"Version {version.number}: {version.display_name}",
        )  # fmt: skip
        same_file_on = _same_file_on(asset, checked.sha256, actor)
        _process_later(version.pk)
    except BaseException:
        # The row goes with the transaction; the file would stay. (A caller's own outer transaction that rolls
        # back later cannot be seen from here: callers let this function be the outermost write.)
        _delete_stored(version)
        raise
    return UploadResult(version=version, same_file_on=same_file_on)


def _delete_stored(version: AssetVersion) -> None:
    try:
        version.file.storage.delete(version.file.name)
    except OSError:  # the error that brought us here matters more; the orphan is only logged
        logger.exception("could not delete the stored file %s of a refused upload", version.file.name)
