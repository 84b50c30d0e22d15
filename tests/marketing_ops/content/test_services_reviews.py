"""Review and publishing: who may approve, rejecting needs a comment, every needed role, superseding versions."""

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content.models import AssetEvent, AssetStatus, VersionReview, VersionStatus
from apps.marketing_ops.content.services import assets, reviews, versions
from tests import samples

Kind = AssetEvent.Kind


def submitted(asset, actor, tag="v"):
    """A new version of `asset`, uploaded by `actor` and submitted for review."""
    content = samples.PDF + f"% {tag}\n".encode()
    version = versions.version_upload(asset_id=asset.pk, actor=actor, upload=samples.upload("d.pdf", content)).version
    assets.asset_submit(asset_id=asset.pk, actor=actor)
    version.refresh_from_db()
    asset.refresh_from_db()
    return version


def refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_submitting_sends_the_newest_draft_to_review(internal_asset, owner):
    version = submitted(internal_asset, owner)
    assert (version.status, internal_asset.status) == (VersionStatus.IN_REVIEW, AssetStatus.IN_REVIEW)
    event = internal_asset.events.get(kind=Kind.SUBMITTED)
    assert (event.from_status, event.to_status, event.actor) == (AssetStatus.DRAFT, AssetStatus.IN_REVIEW, owner)


def test_marketing_ops_approval_publishes_an_internal_asset(internal_asset, owner, marketing_ops, frozen):
    version = submitted(internal_asset, owner)
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops, comment="Good")
    internal_asset.refresh_from_db()
    version.refresh_from_db()
    assert (internal_asset.status, internal_asset.current_version, version.status) == (
        AssetStatus.PUBLISHED,
        version,
        VersionStatus.PUBLISHED,
    )
    assert internal_asset.reviewed_at is not None
    kinds = list(internal_asset.events.values_list("kind", flat=True))
    assert kinds[-2:] == [Kind.APPROVED, Kind.PUBLISHED]


def test_the_owner_cannot_approve_their_own_assets_version(internal_asset, owner, marketing_ops):
    version = versions.version_upload(
        asset_id=internal_asset.pk, actor=marketing_ops, upload=samples.upload("d.pdf", samples.PDF)
    ).version
    assets.asset_submit(asset_id=internal_asset.pk, actor=owner)
    error = refusal(lambda: reviews.asset_approve(asset_id=internal_asset.pk, actor=owner))
    assert (error.code, error.status_code) == ("own_version", 403)
    assert not VersionReview.objects.exists()
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_the_uploader_cannot_approve_the_version_they_uploaded(internal_asset, owner, marketing_ops):
    submitted(internal_asset, marketing_ops)
    error = refusal(lambda: reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops))
    assert error.code == "own_version" and not VersionReview.objects.exists()


def test_rejecting_needs_a_comment(internal_asset, owner, marketing_ops):
    version = submitted(internal_asset, owner)
    error = refusal(lambda: reviews.asset_reject(asset_id=internal_asset.pk, actor=marketing_ops, comment="  "))
    assert (error.code, error.field) == ("comment_required", "comment")
    assert not VersionReview.objects.exists()
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_a_rejected_first_version_sends_the_asset_back_to_draft(internal_asset, owner, marketing_ops):
    version = submitted(internal_asset, owner)
    reviews.asset_reject(asset_id=internal_asset.pk, actor=marketing_ops, comment="Wrong logo")
    internal_asset.refresh_from_db()
    version.refresh_from_db()
    assert (version.status, internal_asset.status) == (VersionStatus.REJECTED, AssetStatus.DRAFT)
    event = internal_asset.events.get(kind=Kind.REJECTED)
    assert (event.reason, event.from_status, event.to_status) == ("Wrong logo", "in_review", "draft")


def test_a_customer_asset_needs_legal_as_well(customer_asset, owner, marketing_ops, legal):
    version = submitted(customer_asset, owner)
    reviews.asset_approve(asset_id=customer_asset.pk, actor=marketing_ops)
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.IN_REVIEW and customer_asset.current_version is None
    reviews.asset_approve(asset_id=customer_asset.pk, actor=legal, comment="Claims checked")
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.PUBLISHED and customer_asset.current_version == version
    assert set(version.reviews.values_list("role", "decision")) == {
        (Role.MARKETING_OPS, "approved"),
        (Role.LEGAL, "approved"),
    }


def test_legal_alone_does_not_review_an_internal_asset(internal_asset, owner, legal):
    submitted(internal_asset, owner)
    error = refusal(lambda: reviews.asset_approve(asset_id=internal_asset.pk, actor=legal))
    assert (error.code, error.status_code) == ("forbidden", 403) and not VersionReview.objects.exists()


def test_a_rep_does_not_review(internal_asset, owner, rep):
    submitted(internal_asset, owner)
    assert refusal(lambda: reviews.asset_approve(asset_id=internal_asset.pk, actor=rep)).code == "forbidden"


def test_one_person_decides_once_even_holding_both_roles(customer_asset, owner, admin_user):
    submitted(customer_asset, owner)
    reviews.asset_approve(asset_id=customer_asset.pk, actor=admin_user)
    error = refusal(lambda: reviews.asset_approve(asset_id=customer_asset.pk, actor=admin_user))
    assert error.code == "already_reviewed"
    customer_asset.refresh_from_db()
    assert customer_asset.status == AssetStatus.IN_REVIEW and VersionReview.objects.count() == 1


def test_a_second_reviewer_in_a_decided_role_is_refused(customer_asset, owner, marketing_ops):
    submitted(customer_asset, owner)
    reviews.asset_approve(asset_id=customer_asset.pk, actor=marketing_ops)
    colleague = UserFactory(username="mops2", roles=[Role.MARKETING_OPS])
    error = refusal(lambda: reviews.asset_approve(asset_id=customer_asset.pk, actor=colleague))
    assert error.code == "already_reviewed" and VersionReview.objects.count() == 1


def test_approving_with_nothing_in_review_is_refused(internal_asset, marketing_ops):
    error = refusal(lambda: reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops))
    assert (error.code, error.status_code) == ("nothing_in_review", 409)


def test_only_one_version_is_in_review_at_a_time(internal_asset, owner):
    submitted(internal_asset, owner, "one")
    versions.version_upload(asset_id=internal_asset.pk, actor=owner, upload=samples.upload("d.pdf", samples.PDF))
    error = refusal(lambda: assets.asset_submit(asset_id=internal_asset.pk, actor=owner))
    assert error.code == "already_in_review"


def test_a_new_version_supersedes_the_old_one_which_stays_kept(internal_asset, owner, marketing_ops, frozen):
    first = submitted(internal_asset, owner, "one")
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops)
    second = submitted(internal_asset, owner, "two")
    assert internal_asset.status == AssetStatus.PUBLISHED and internal_asset.current_version == first
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops)
    internal_asset.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert internal_asset.current_version == second
    assert (first.status, second.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert first.file.storage.exists(first.file.name)  # kept for owners and reviewers (see test_serving)


def test_rejecting_a_new_version_keeps_the_published_one(internal_asset, owner, marketing_ops):
    first = submitted(internal_asset, owner, "one")
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops)
    second = submitted(internal_asset, owner, "two")
    reviews.asset_reject(asset_id=internal_asset.pk, actor=marketing_ops, comment="Typo on slide 3")
    internal_asset.refresh_from_db()
    second.refresh_from_db()
    assert internal_asset.status == AssetStatus.PUBLISHED and internal_asset.current_version == first
    assert second.status == VersionStatus.REJECTED


def test_the_superseded_version_is_readable_by_owner_and_reviewers_never_by_reps(
    internal_asset, owner, marketing_ops, legal, rep, frozen
):
    from django.http import Http404

    from apps.marketing_ops.content.serving import version_for_download

    submitted(internal_asset, owner, "one")
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops)
    submitted(internal_asset, owner, "two")
    reviews.asset_approve(asset_id=internal_asset.pk, actor=marketing_ops)
    for reader in (owner, marketing_ops, legal):
        assert version_for_download(user=reader, asset_id=internal_asset.pk, number=1).number == 1
    assert version_for_download(user=rep, asset_id=internal_asset.pk).number == 2
    with pytest.raises(Http404):
        version_for_download(user=rep, asset_id=internal_asset.pk, number=1)
