"""Selectors: who sees which assets, an asset's page, the review queue, and query counts that do not grow."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.http import Http404

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content.factories import AssetFactory, TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import Asset, AssetStatus, Audience, VersionReview, VersionStatus
from apps.marketing_ops.content.search import asset_search_refresh
from apps.marketing_ops.content.selectors import asset_detail, library_list, review_queue, visible_assets

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def legal(db):
    return UserFactory(username="lena", roles=[Role.LEGAL])


@pytest.fixture
def library(marketing_ops):
    """One asset in each state reps must not see, two live ones, and a draft the rep `owner` owns."""
    assets = {
        "draft": AssetFactory(title="Draft"),
        "in_review": AssetFactory(title="In review", status=AssetStatus.IN_REVIEW),
        "expired": published_asset(title="Expired today", expires_on=TODAY),
        "archived": published_asset(title="Archived"),
        "live": published_asset(title="Live"),
        "live_until_tomorrow": published_asset(title="Live until tomorrow", expires_on=TODAY + dt.timedelta(days=1)),
    }
    assets["archived"].status = AssetStatus.ARCHIVED
    assets["archived"].save(update_fields=["status"])
    return assets


def test_a_rep_sees_live_assets_only(library, rep):
    assert set(visible_assets(rep)) == {library["live"], library["live_until_tomorrow"]}


@pytest.mark.parametrize("curator", ["marketing_ops", "legal", "admin_user"])
def test_curators_and_admins_see_every_asset(library, curator, request):
    assert set(visible_assets(request.getfixturevalue(curator))) == set(library.values())


def test_an_owner_sees_their_own_assets_in_any_status(library, rep):
    own_draft = AssetFactory(title="Rita's draft", owner=rep)

    assert set(visible_assets(rep)) == {own_draft, library["live"], library["live_until_tomorrow"]}


def test_visibility_follows_the_day_given(library, rep):
    assert library["live_until_tomorrow"] not in visible_assets(rep, today=TODAY + dt.timedelta(days=1))


def test_asset_detail_is_404_for_what_a_rep_may_not_see(library, rep):
    for name in ("draft", "in_review", "expired", "archived"):
        with pytest.raises(Http404):
            asset_detail(user=rep, asset_id=library[name].pk)


def test_asset_detail_shows_versions_to_curators_only(library, rep, marketing_ops):
    live = library["live"]
    VersionFactory(asset=live)  # a newer draft

    assert asset_detail(user=rep, asset_id=live.pk).all_versions == []
    assert [v.number for v in asset_detail(user=marketing_ops, asset_id=live.pk).all_versions] == [2, 1]


def _searching_queries() -> int:
    # A search first asks whether anything matches (PostgreSQL), to choose its fallback.
    return 1 if connection.vendor == "postgresql" else 0


@pytest.mark.parametrize("size", [3, 12])
def test_the_library_list_reads_in_a_fixed_number_of_queries(rep, size, django_assert_num_queries):
    tags = [TagFactory(name=f"Topic {i}") for i in range(3)]
    for i in range(size):
        asset = published_asset(title=f"Deck {i}")
        asset.tags.add(*tags)
    asset_search_refresh(Asset.objects.values_list("pk", flat=True))
    assert rep.role_names  # read once per request, by the permission check before the list

    with django_assert_num_queries(2):  # assets with version and owner; their tags
        rows = [
            (a.title, a.current_version.number, a.owner.username, [t.slug for t in a.tags.all()])
            for a in library_list(user=rep)
        ]
    with django_assert_num_queries(2 + _searching_queries()):
        searched = [(a.current_version.number, list(a.tags.all())) for a in library_list(user=rep, q="deck")]

    assert len(rows) == size
    assert len(searched) == size


# --- the review queue ----------------------------------------------------------------------------------------


def in_review(*, audience=Audience.CUSTOMER, owner=None, uploaded_by=None, title="Deck"):
    asset = AssetFactory(
        title=title, audience=audience, status=AssetStatus.IN_REVIEW, **({"owner": owner} if owner else {})
    )
    return VersionFactory(
        asset=asset, status=VersionStatus.IN_REVIEW, **({"uploaded_by": uploaded_by} if uploaded_by else {})
    )


def decide(version, role, reviewer):
    VersionReview.objects.create(version=version, role=role, decision="approved", reviewer=reviewer)


def test_the_queue_holds_versions_in_review_not_drafts(marketing_ops):
    waiting = in_review()
    VersionFactory(asset=AssetFactory())  # a draft version

    assert list(review_queue(user=marketing_ops)) == [waiting]


def test_the_queue_leaves_out_a_reviewers_own_assets_and_uploads(marketing_ops):
    in_review(owner=marketing_ops, title="Own asset")
    in_review(uploaded_by=marketing_ops, title="Own upload")
    theirs = in_review(title="Someone else's")

    assert list(review_queue(user=marketing_ops)) == [theirs]


def test_legal_reviews_customer_facing_assets_only(legal):
    customer = in_review(audience=Audience.CUSTOMER)
    in_review(audience=Audience.INTERNAL)

    assert list(review_queue(user=legal)) == [customer]


def test_a_version_leaves_a_role_queue_once_decided_in_that_role(marketing_ops, legal, admin_user):
    version = in_review()
    decide(version, Role.MARKETING_OPS, UserFactory(roles=[Role.MARKETING_OPS]))

    assert list(review_queue(user=marketing_ops)) == []
    assert list(review_queue(user=legal)) == [version]
    queued = review_queue(user=admin_user).get()  # an admin reviews in both roles
    assert (queued.awaits_marketing_ops, queued.awaits_legal) == (False, True)


def test_reps_have_no_review_queue(rep):
    in_review()

    assert list(review_queue(user=rep)) == []


@pytest.mark.parametrize("size", [2, 8])
def test_the_review_queue_reads_in_one_query(marketing_ops, size, django_assert_num_queries):
    for i in range(size):
        in_review(title=f"Deck {i}")
    assert marketing_ops.role_names  # read once per request, by the permission check before the queue

    with django_assert_num_queries(1):
        rows = [
            (v.asset.title, v.asset.owner.username, v.uploaded_by.username) for v in review_queue(user=marketing_ops)
        ]

    assert len(rows) == size
