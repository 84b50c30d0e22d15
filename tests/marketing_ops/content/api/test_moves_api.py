"""The asset's moves through the API: submit, approve, reject, archive, reopen. Each refusal is the project's error
shape with a code (409 for a move the state does not allow, 400 for the input, 403 for a role, 404 for an asset
the user cannot see), and writes nothing."""

import pytest

from apps.marketing_ops.content.factories import VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetEvent, AssetStatus, VersionReview, VersionStatus
from apps.marketing_ops.content.services import assets

URL = "/api/v1/content/assets/"


def move(api, user, asset, name, **body):
    return api.as_user(user).post(f"{URL}{asset.pk}/{name}/", body, format="json")


@pytest.fixture
def draft(internal_asset):
    VersionFactory(asset=internal_asset)
    return internal_asset


@pytest.fixture
def in_review(draft, owner):
    assets.asset_submit(asset_id=draft.pk, actor=owner)
    return draft


def unchanged(asset, status: str, events: int) -> None:
    asset.refresh_from_db()
    assert asset.status == status and asset.events.count() == events


def test_the_owner_submits_a_draft(api, owner, draft):
    response = move(api, owner, draft, "submit", reason="Ready")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    assert response.json()["versions"][0]["status"] == "in_review"
    assert draft.events.get(kind="submitted").reason == "Ready"


def test_submitting_without_a_new_version_is_a_409(api, owner, internal_asset):
    response = move(api, owner, internal_asset, "submit")
    assert (response.status_code, response.json()["code"]) == (409, "nothing_to_submit")
    unchanged(internal_asset, AssetStatus.DRAFT, 0)


def test_submitting_twice_is_a_409(api, owner, in_review):
    events = in_review.events.count()
    response = move(api, owner, in_review, "submit")
    assert (response.status_code, response.json()["code"]) == (409, "already_in_review")
    unchanged(in_review, AssetStatus.IN_REVIEW, events)


def test_marketing_ops_approve_and_the_version_is_published(api, marketing_ops, in_review):
    response = move(api, marketing_ops, in_review, "approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "published" and body["current_version"]["number"] == 1
    assert body["versions"][0]["reviews"][0]["decision"] == "approved"


def test_the_owner_never_approves_their_own_asset(api, owner, in_review):
    events = in_review.events.count()
    response = move(api, owner, in_review, "approve", comment="Looks good to me")
    assert (response.status_code, response.json()["code"]) == (403, "own_version")
    unchanged(in_review, AssetStatus.IN_REVIEW, events)
    assert not VersionReview.objects.exists()


def test_approving_with_nothing_in_review_is_a_409(api, marketing_ops, draft):
    response = move(api, marketing_ops, draft, "approve")
    assert (response.status_code, response.json()["code"]) == (409, "nothing_in_review")
    assert not VersionReview.objects.exists()


def test_legal_may_not_review_an_internal_asset(api, legal, in_review):
    events = in_review.events.count()
    response = move(api, legal, in_review, "approve")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    unchanged(in_review, AssetStatus.IN_REVIEW, events)


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops"])
def test_other_roles_may_not_review(api, request, role, owner, frozen):
    live = published_asset(owner=owner)
    VersionFactory(asset=live)
    assets.asset_submit(asset_id=live.pk, actor=owner)
    events = live.events.count()
    for name in ("approve", "reject"):
        response = move(api, request.getfixturevalue(role), live, name, comment="No")
        assert response.status_code == 403
    unchanged(live, AssetStatus.PUBLISHED, events)
    assert not VersionReview.objects.exists()


def test_a_reject_needs_a_comment(api, marketing_ops, in_review):
    events = in_review.events.count()
    for body in ({}, {"comment": "   "}):
        response = move(api, marketing_ops, in_review, "reject", **body)
        assert response.status_code == 400
        assert response.json()["code"] == "comment_required" and "comment" in response.json()
    unchanged(in_review, AssetStatus.IN_REVIEW, events)
    assert not VersionReview.objects.exists()


def test_a_reject_with_a_comment_sends_the_asset_back_to_draft(api, marketing_ops, in_review):
    response = move(api, marketing_ops, in_review, "reject", comment="Wrong logo")
    assert response.status_code == 200
    assert response.json()["status"] == "draft" and response.json()["versions"][0]["status"] == "rejected"


def test_a_comment_past_its_limit_is_a_400_naming_it(api, marketing_ops, in_review):
    response = move(api, marketing_ops, in_review, "reject", comment="x" * 2001)
    assert response.status_code == 400 and "comment" in response.json()
    assert not VersionReview.objects.exists()


def test_the_owner_archives_and_reopens(api, owner, draft):
    response = move(api, owner, draft, "archive", reason="Old brand")
    assert (response.status_code, response.json()["status"]) == (200, "archived")
    response = move(api, owner, draft, "reopen")
    assert (response.status_code, response.json()["status"]) == (200, "draft")
    assert [e.kind for e in draft.events.order_by("at", "id")] == ["archived", "reopened"]


def test_reopening_an_asset_that_is_not_archived_is_an_illegal_move(api, owner, draft):
    response = move(api, owner, draft, "reopen")
    assert (response.status_code, response.json()["code"]) == (409, "illegal_move")
    unchanged(draft, AssetStatus.DRAFT, 0)


def test_a_reason_past_its_limit_is_a_400_and_nothing_moves(api, owner, draft):
    response = move(api, owner, draft, "archive", reason="x" * 2001)
    assert response.status_code == 400 and "reason" in response.json()
    unchanged(draft, AssetStatus.DRAFT, 0)


def test_a_rep_archiving_a_live_asset_is_a_403(api, rep, owner, frozen):
    live = published_asset(owner=owner)
    response = move(api, rep, live, "archive")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    unchanged(live, AssetStatus.PUBLISHED, 0)


@pytest.mark.parametrize(
    ("name", "answer"),
    [("submit", 404), ("archive", 404), ("reopen", 404), ("approve", 403), ("reject", 403)],  # reviewing: a role
)
def test_a_rep_moving_an_asset_they_cannot_see_gets_a_404(api, rep, draft, name, answer):
    assert move(api, rep, draft, name, comment="x").status_code == answer
    unchanged(draft, AssetStatus.DRAFT, 0)
    assert draft.versions.get().status == VersionStatus.DRAFT


def test_a_move_nobody_may_make_leaves_no_history(api, marketing_ops, draft):
    before = AssetEvent.objects.count()
    move(api, marketing_ops, draft, "approve")
    assert AssetEvent.objects.count() == before
