"""Review and publishing: reviewers approve or reject the asset's version in review; approved by every role the
asset needs, the version is published and the previous one superseded (still readable by owners and reviewers)."""

from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import User
from apps.core.permissions import content_review_roles
from apps.marketing_ops.content import search
from apps.marketing_ops.content.models import Asset, AssetStatus, AssetVersion, VersionReview, VersionStatus
from apps.marketing_ops.content.services.guards import (
    COMMENT_MAX,
    Kind,
    asset_event,
    asset_locked,
    asset_move,
    needed_review_roles,
    text,
)

Decision = VersionReview.Decision


def _in_review(asset: Asset) -> AssetVersion:
    version = asset.versions.filter(status=VersionStatus.IN_REVIEW).select_for_update().first()
    if version is None:
        raise ConflictError("No version of this asset is waiting for review.", code="nothing_in_review")
    return version


def _reviewing_role(asset: Asset, version: AssetVersion, actor: User) -> str:
    """The role `actor` decides in: the first the asset needs, they hold, and nobody has decided in yet.

    One person decides once per version, so an admin (who holds every role) cannot stand in for legal as well.
    """
    needed = needed_review_roles(asset)
    mine = [role for role in needed if role in content_review_roles(actor)]
    if not mine:
        names = " and ".join(needed).replace("_", " ")
        raise ActionForbidden(f"This asset is reviewed by {names}.", code="forbidden")
    reviews = list(version.reviews.all())
    if any(review.reviewer_id == actor.pk for review in reviews):
        raise ConflictError("You have reviewed this version already.", code="already_reviewed")
    decided = {review.role for review in reviews}
    open_roles = [role for role in mine if role not in decided]
    if not open_roles:
        raise ConflictError("This version has been reviewed in your role already.", code="already_reviewed")
    return open_roles[0]


@transaction.atomic
def asset_approve(*, asset_id: int, actor: User, comment: str = "") -> AssetVersion:
    """Approve the version in review in the actor's role; once every needed role approved, publish it."""
    asset = asset_locked(asset_id)
    version = _in_review(asset)
    role = _reviewing_role(asset, version, actor)
    if actor.pk in (asset.owner_id, version.uploaded_by_id):
        raise ActionForbidden(
            "Nobody approves a version of an asset they own or a file they uploaded.", code="own_version"
        )
    comment = text(comment, "comment", limit=COMMENT_MAX, label="The comment")
    VersionReview.objects.create(
        version=version, role=role, decision=Decision.APPROVED, reviewer=actor, comment=comment
    )
    asset_event(asset=asset, kind=Kind.APPROVED, actor=actor, version=version, reason=comment)
    approved = set(version.reviews.filter(decision=Decision.APPROVED).values_list("role", flat=True))
    if set(needed_review_roles(asset)) <= approved:
        _publish(asset, version, actor)
    return version


def _publish(asset: Asset, version: AssetVersion, actor: User) -> None:
    previous = asset.current_version
    if previous is not None and previous.pk != version.pk:
        previous.status = VersionStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = VersionStatus.PUBLISHED
    version.save(update_fields=["status"])
    asset.current_version, asset.reviewed_at = version, timezone.now()
    reason = f"Version {version.number} is the current version."
    if asset.status == AssetStatus.PUBLISHED:
        asset.save(update_fields=["current_version", "reviewed_at", "updated_at"])
        asset_event(asset=asset, kind=Kind.PUBLISHED, actor=actor, version=version, reason=reason)
    else:
        asset_move(
            asset=asset, to_status=AssetStatus.PUBLISHED, actor=actor, kind=Kind.PUBLISHED, version=version,
            reason=reason, extra_fields=("current_version", "reviewed_at"),
        )  # fmt: skip
    search.asset_search_refresh([asset.pk])


@transaction.atomic
def asset_reject(*, asset_id: int, actor: User, comment: str) -> AssetVersion:
    """Reject the version in review, saying why; the asset goes back to draft unless a version is published."""
    asset = asset_locked(asset_id)
    version = _in_review(asset)
    role = _reviewing_role(asset, version, actor)
    comment = text(comment, "comment", limit=COMMENT_MAX, label="The comment")
    if not comment:
        raise ApplicationError("Say why the version is rejected.", field="comment", code="comment_required")
    VersionReview.objects.create(
        version=version, role=role, decision=Decision.REJECTED, reviewer=actor, comment=comment
    )
    version.status = VersionStatus.REJECTED
    version.save(update_fields=["status"])
    if asset.status == AssetStatus.IN_REVIEW:
        asset_move(
            asset=asset, to_status=AssetStatus.DRAFT, actor=actor, kind=Kind.REJECTED, version=version, reason=comment
        )
    else:  # published: the current version stays what reps get
        asset_event(asset=asset, kind=Kind.REJECTED, actor=actor, version=version, reason=comment)
    return version
