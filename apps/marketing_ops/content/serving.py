"""Files of the library, served only through here: who may get which version, and how it is sent.

No file has a public URL. The portal page and the API both call `download_response` / `preview_response`, which
answer 404 (Http404) for anything the user may not get, so that a rep cannot tell a draft from a missing asset.
Usage is recorded only once every check passed and the file is open.
"""

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse, Http404

from apps.core.models import User
from apps.marketing_ops.content.models import Asset, AssetVersion, ContentUsage
from apps.marketing_ops.content.services.guards import content_today
from apps.marketing_ops.content.services.usage import usage_record

# Shown in the browser only when asked for (a preview), and only these: nothing that can carry script.
SAFE_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})


def version_for_download(*, user: User, asset_id: int, number: int | None = None) -> AssetVersion:
    """The version `user` asked for, if they may get it; `number` None is the current published version.

    Curators (marketing ops, legal, admins) and the asset's owner get any version of any asset. Everyone else gets
    only the current version of a live asset (published, not expired): anything else is a 404.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such file.")
    asset = Asset.objects.select_related("current_version").filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset.")
    if not user.has_perm("marketing_ops.may_curate_asset", asset):
        if not asset.is_live(content_today()) or number not in (None, asset.current_version.number):
            raise Http404("No such file.")
        return asset.current_version
    if number is None:
        if asset.current_version is None:
            raise Http404("This asset has no published version.")
        return asset.current_version
    version = asset.versions.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    version.asset = asset
    return version


def _open(field) -> object:
    try:
        return field.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: the field holds no file
        raise Http404("The file is missing.") from None


def version_response(version: AssetVersion, *, inline: bool = False) -> FileResponse:
    """The version's file: inline only when asked and of a safe type, else as an attachment; never sniffed."""
    show_inline = inline and version.mime_type in SAFE_INLINE_TYPES
    response = FileResponse(
        _open(version.file),
        as_attachment=not show_inline,
        filename=version.display_name,
        content_type=version.mime_type,
    )
    return _hardened(response)


def _hardened(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"  # an archived asset must not live on in a shared cache
    return response


def download_response(*, user: User, asset_id: int, number: int | None = None, inline: bool = False) -> FileResponse:
    """The file for a download (or, `inline`, for viewing in the browser), with the use recorded."""
    version = version_for_download(user=user, asset_id=asset_id, number=number)
    response = version_response(version, inline=inline)
    action = ContentUsage.Action.VIEW if inline else ContentUsage.Action.DOWNLOAD
    usage_record(version=version, user=user, action=action)
    return response


def preview_response(*, user: User, asset_id: int, number: int | None = None, record: bool = True) -> FileResponse:
    """The preview image of a version (rendered in the background), shown inline; a view is recorded.

    `record` False: a thumbnail among others (the library's cards, the asset page's picture), which nobody chose to
    open; counting those as views would make every asset a rep scrolled past look used.
    """
    version = version_for_download(user=user, asset_id=asset_id, number=number)
    if not version.preview:
        raise Http404("This version has no preview.")
    content_type = mimetypes.guess_type(PurePosixPath(version.preview.name).name)[0] or "application/octet-stream"
    response = FileResponse(
        _open(version.preview),
        as_attachment=content_type not in SAFE_INLINE_TYPES,
        filename=f"preview-{version.number}{PurePosixPath(version.preview.name).suffix}",
        content_type=content_type,
    )
    if record:
        usage_record(version=version, user=user, action=ContentUsage.Action.VIEW)
    return _hardened(response)
