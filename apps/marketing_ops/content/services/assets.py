"""Assets: creating one, changing its details and tags, and the moves an editor makes (submit, archive, reopen)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import User
from apps.core.services.records import as_application_error
from apps.marketing_ops.content import search
from apps.marketing_ops.content.models import (
    Asset,
    AssetStatus,
    AssetVersion,
    Audience,
    Tag,
    VersionReview,
    VersionStatus,
)
from apps.marketing_ops.content.services.guards import (
    REASON_MAX,
    Kind,
    as_editor,
    asset_event,
    asset_locked,
    asset_move,
    text,
)

# What an editor may change on an asset; status, versions and review dates are the workflow's.
EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "audience",
    "review_by",
    "expires_on",
    "url",
    "product",
    "segment",
    "funnel_stage",
    "language",
    "owner",
    "tags",
)


def _reason(reason: str) -> str:
    return text(reason, "reason", limit=REASON_MAX, label="The reason")


def tags_resolve(tags) -> list[Tag]:
    """Tags named by slug or name (either, any case); any unknown is refused, naming every one of them."""
    wanted = [str(tag).strip() for tag in tags if str(tag).strip()]
    known = list(Tag.objects.all())
    by_key = {t.slug.lower(): t for t in known} | {t.name.lower(): t for t in known}
    unknown = [tag for tag in wanted if tag.lower() not in by_key]
    if unknown:
        raise ApplicationError(
            f"Unknown tags: {', '.join(unknown)}. Tags are added by marketing ops in the admin.",
            field="tags",
            code="unknown_tag",
        )
    return list({by_key[tag.lower()].pk: by_key[tag.lower()] for tag in wanted}.values())


def _validated(asset: Asset) -> None:
    try:
        asset.full_clean(exclude=["current_version", "search_vector"])
    except ValidationError as error:
        raise as_application_error(error) from error


@transaction.atomic
def asset_create(
    *,
    actor: User,
    title: str,
    kind: str,
    audience: str,
    review_by,
    owner: User | None = None,
    description: str = "",
    tags=(),
    product: str = "",
    segment: str = "",
    funnel_stage: str = "",
    language: str = "en",
    expires_on=None,
    url: str = "",
) -> Asset:
    """A new draft asset, owned by `owner` (the actor by default); it gets files through `version_upload`."""
    if not actor.has_perm("marketing_ops.may_manage_content"):
        raise ActionForbidden("Only marketing ops create assets in the library.", code="forbidden")
    resolved = tags_resolve(tags)
    asset = Asset(
        title=(title or "").strip(),
        kind=kind,
        audience=audience,
        review_by=review_by,
        owner=owner or actor,
        description=(description or "").strip(),
        product=(product or "").strip(),
        segment=segment,
        funnel_stage=funnel_stage,
        language=language,
        expires_on=expires_on,
        url=url,
        status=AssetStatus.DRAFT,
    )
    _validated(asset)
    asset.save()
    asset.tags.set(resolved)
    asset_event(asset=asset, kind=Kind.CREATED, actor=actor)
    search.asset_search_refresh([asset.pk])
    return asset


def _legal_approved(version: AssetVersion | None) -> bool:
    return (
        version is not None and version.reviews.filter(role="legal", decision=VersionReview.Decision.APPROVED).exists()
    )


@transaction.atomic
def asset_update(*, asset_id: int, actor: User, **fields) -> Asset:
    """Change an asset's details and tags; a history line names what changed. Unchanged fields write nothing."""
    asset = asset_locked(asset_id)
    as_editor(asset, actor, "change its details")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0]
        )
    if asset.status == AssetStatus.ARCHIVED:
        raise ConflictError("An archived asset cannot be changed; reopen it first.", code="archived")
    tags = fields.pop("tags", None)
    for name in ("title", "description", "product"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    changed = [name for name, value in fields.items() if getattr(asset, name) != value]
    if (
        fields.get("audience") == Audience.CUSTOMER
        and asset.audience != Audience.CUSTOMER
        and asset.current_version_id is not None
        and not _legal_approved(asset.current_version)
    ):
        # Otherwise a version approved for internal eyes only would become shareable with customers unreviewed.
        raise ConflictError(
            "Legal has not approved the current version: upload it as a new version and submit it for review "
            "to make the asset customer-facing.",
            code="needs_review",
        )
    for name in changed:
        setattr(asset, name, fields[name])
    if changed:
        _validated(asset)
        asset.save(update_fields=[*changed, "updated_at"])
    if tags is not None:
        resolved = tags_resolve(tags)
        if {t.pk for t in resolved} != set(asset.tags.values_list("pk", flat=True)):
            asset.tags.set(resolved)
            changed.append("tags")
    if not changed:
        return asset
    asset_event(asset=asset, kind=Kind.CHANGED, actor=actor, reason=f"Changed: {', '.join(changed)}.")
    search.asset_search_refresh([asset.pk])
    return asset


@transaction.atomic
def asset_submit(*, asset_id: int, actor: User, reason: str = "") -> Asset:
    """Send the asset's newest draft version to review (asset draft → in_review; a published asset stays so)."""
    asset = asset_locked(asset_id)
    as_editor(asset, actor, "submit it for review")
    reason = _reason(reason)
    if asset.status == AssetStatus.ARCHIVED:
        raise ConflictError("An archived asset cannot be submitted; reopen it first.", code="illegal_move")
    if asset.versions.filter(status=VersionStatus.IN_REVIEW).exists():
        raise ConflictError("A version of this asset is in review already.", code="already_in_review")
    version = asset.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    if version is None:
        raise ConflictError("There is no new version to submit: upload a file first.", code="nothing_to_submit")
    version.status = VersionStatus.IN_REVIEW
    version.save(update_fields=["status"])
    if asset.status == AssetStatus.PUBLISHED:
        asset_event(asset=asset, kind=Kind.SUBMITTED, actor=actor, reason=reason, version=version)
    else:
        asset_move(
            asset=asset, to_status=AssetStatus.IN_REVIEW, actor=actor, kind=Kind.SUBMITTED, reason=reason,
            version=version,
        )  # fmt: skip
    return asset


@transaction.atomic
def asset_archive(*, asset_id: int, actor: User | None, reason: str = "") -> Asset:
    """Take an asset out of the library (reps no longer see it). `actor` None is the daily sweep.

    Idempotent: an archived asset is returned untouched. A version in review goes back to draft.
    """
    asset = asset_locked(asset_id)
    as_editor(asset, actor, "archive it")
    reason = _reason(reason)
    if asset.status == AssetStatus.ARCHIVED:
        return asset
    asset.versions.filter(status=VersionStatus.IN_REVIEW).update(status=VersionStatus.DRAFT)
    asset_move(asset=asset, to_status=AssetStatus.ARCHIVED, actor=actor, kind=Kind.ARCHIVED, reason=reason)
    search.asset_search_refresh([asset.pk])
    return asset


@transaction.atomic
def asset_reopen(*, asset_id: int, actor: User, reason: str = "") -> Asset:
    """Bring an archived asset back as a draft, to be submitted again (archived → draft)."""
    asset = asset_locked(asset_id)
    as_editor(asset, actor, "reopen it")
    reason = _reason(reason)
    asset_move(asset=asset, to_status=AssetStatus.DRAFT, actor=actor, kind=Kind.REOPENED, reason=reason)
    search.asset_search_refresh([asset.pk])
    return asset
