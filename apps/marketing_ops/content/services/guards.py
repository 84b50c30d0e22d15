"""What every content write shares: the table of asset moves, the asset lock, "today", the editor guard, text limits."""

import datetime as dt

from django.db.models import Max

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import Role, User
from apps.core.services.records import text_within
from apps.core.timezones import site_today
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentShare,
    VersionReview,
)

Kind = AssetEvent.Kind

# The only moves an asset's status makes; anything else is refused as "illegal_move".
ASSET_MOVES: dict[str, frozenset[str]] = {
    AssetStatus.DRAFT: frozenset({AssetStatus.IN_REVIEW, AssetStatus.ARCHIVED}),
    AssetStatus.IN_REVIEW: frozenset({AssetStatus.PUBLISHED, AssetStatus.DRAFT, AssetStatus.ARCHIVED}),
    AssetStatus.PUBLISHED: frozenset({AssetStatus.ARCHIVED}),
    AssetStatus.ARCHIVED: frozenset({AssetStatus.DRAFT}),
}

# Free-text limits: each the model field's own, so that forms, serializers and services agree with the column.
REASON_MAX = AssetEvent._meta.get_field("reason").max_length
COMMENT_MAX = VersionReview._meta.get_field("comment").max_length
VERSION_NOTE_MAX = AssetVersion._meta.get_field("note").max_length
SHARE_NOTE_MAX = ContentShare._meta.get_field("note").max_length


def content_today() -> dt.date:
    """The library's "today" for expiry and reminders: the local date in settings.TIME_ZONE, whoever is signed in
    (a viewer's own zone would let an asset expire earlier for some than for others)."""
    return site_today()


def asset_locked(asset_id: int) -> Asset:
    """The asset, locked for the rest of the transaction (its versions and reviews change under this lock)."""
    try:
        return Asset.objects.select_for_update(of=("self",)).select_related("owner").get(pk=asset_id)
    except Asset.DoesNotExist:
        raise ApplicationError("No such asset.", field="asset", code="not_found") from None


def as_editor(asset: Asset, actor: User | None, doing: str) -> None:
    """Refuse unless `actor` may edit the asset (its owner or marketing ops); None is the system itself."""
    if actor is not None and not actor.has_perm("marketing_ops.may_edit_asset", asset):
        raise ActionForbidden(f"Only the asset's owner or marketing ops may {doing}.", code="forbidden")


def needed_review_roles(asset: Asset) -> list[str]:
    """The reviewer roles a version of `asset` needs, in the order they are filled: legal too for customers."""
    return [Role.MARKETING_OPS, Role.LEGAL] if asset.audience == Audience.CUSTOMER else [Role.MARKETING_OPS]


def text(value, field: str, *, limit: int, label: str, required: str = "") -> str:
    return text_within(value, field=field, limit=limit, label=label, required=required)


def next_version_number(asset: Asset) -> int:
    """N+1 for the asset's newest version; call under `asset_locked` so two uploads never take the same N."""
    return (asset.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def asset_event(
    *, asset: Asset, kind: str, actor: User | None, reason: str = "", version: AssetVersion | None = None
) -> AssetEvent:
    """A line of the asset's history that does not move its status (an upload, an approval, a change)."""
    return AssetEvent.objects.create(
        asset=asset,
        version=version,
        kind=kind,
        from_status=asset.status,
        to_status=asset.status,
        actor=actor,
        reason=reason,
    )


def asset_move(
    *,
    asset: Asset,
    to_status: str,
    actor: User | None,
    kind: str,
    reason: str = "",
    version: AssetVersion | None = None,
    extra_fields: tuple[str, ...] = (),
) -> AssetEvent:
    """Move a locked asset to `to_status` if the table allows it; save the status (and `extra_fields`), record it."""
    if to_status not in ASSET_MOVES.get(asset.status, ()):
        said = dict(AssetStatus.choices)
        allowed = ", ".join(said[s] for s in AssetStatus.values if s in ASSET_MOVES.get(asset.status, ())) or "none"
        raise ConflictError(
            f"This asset is {said.get(asset.status, asset.status)}, so it cannot become "
            f"{said.get(to_status, to_status)}. From {said.get(asset.status, asset.status)} it can become: {allowed}.",
            code="illegal_move",
        )
    from_status = asset.status
    asset.status = to_status
    asset.save(update_fields=["status", "updated_at", *extra_fields])
    return AssetEvent.objects.create(
        asset=asset,
        version=version,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
    )
