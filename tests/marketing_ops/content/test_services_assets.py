"""Assets: creating with managed tags, changing details, and the moves of the explicit table."""

import datetime as dt

import pytest

from apps.core.exceptions import ApplicationError
from apps.marketing_ops.content.factories import TagFactory, published_asset
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    Audience,
    VersionStatus,
)
from apps.marketing_ops.content.services import assets, versions
from apps.marketing_ops.content.services.guards import ASSET_MOVES
from tests import samples
from tests.marketing_ops.content.conftest import TODAY

Kind = AssetEvent.Kind


def create(actor, **fields):
    values = {
        "title": "Analytics overview",
        "kind": AssetKind.DECK,
        "audience": Audience.CUSTOMER,
        "review_by": TODAY + dt.timedelta(days=180),
    }
    return assets.asset_create(actor=actor, **(values | fields))


def refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_marketing_ops_create_a_draft_asset_with_known_tags(marketing_ops, frozen):
    TagFactory(name="Analytics", slug="analytics")
    TagFactory(name="Pricing", slug="pricing")
    asset = create(marketing_ops, tags=["analytics", "PRICING"], description="  What it does  ")
    assert (asset.status, asset.owner, asset.description) == (AssetStatus.DRAFT, marketing_ops, "What it does")
    assert sorted(asset.tags.values_list("slug", flat=True)) == ["analytics", "pricing"]
    event = asset.events.get()
    assert (event.kind, event.actor, event.to_status) == (Kind.CREATED, marketing_ops, AssetStatus.DRAFT)


def test_an_unknown_tag_is_refused_naming_every_one(marketing_ops, frozen):
    TagFactory(name="Analytics", slug="analytics")
    error = refusal(lambda: create(marketing_ops, tags=["analytics", "blockchain", "synergy"]))
    assert (error.code, error.field) == ("unknown_tag", "tags")
    assert "blockchain" in error.message and "synergy" in error.message
    assert not Asset.objects.exists() and not AssetEvent.objects.exists()


def test_a_rep_creates_no_asset(rep, frozen):
    error = refusal(lambda: create(rep))
    assert (error.code, error.status_code) == ("forbidden", 403) and not Asset.objects.exists()


def test_a_bad_value_is_refused_naming_its_field(marketing_ops, frozen):
    error = refusal(lambda: create(marketing_ops, kind="poster"))
    assert error.field == "kind" and not Asset.objects.exists()


def test_changing_details_records_what_changed(internal_asset, owner):
    TagFactory(name="Pricing", slug="pricing")
    assets.asset_update(asset_id=internal_asset.pk, actor=owner, title="New title", tags=["pricing"])
    internal_asset.refresh_from_db()
    assert internal_asset.title == "New title" and list(internal_asset.tags.values_list("slug", flat=True)) == [
        "pricing"
    ]
    assert internal_asset.events.get(kind=Kind.CHANGED).reason == "Changed: title, tags."


def test_an_unchanged_update_writes_nothing(internal_asset, owner):
    assets.asset_update(asset_id=internal_asset.pk, actor=owner, title=internal_asset.title)
    assert not internal_asset.events.exists()


def test_status_is_not_a_detail(internal_asset, owner):
    error = refusal(lambda: assets.asset_update(asset_id=internal_asset.pk, actor=owner, status="published"))
    assert error.field == "status"
    internal_asset.refresh_from_db()
    assert internal_asset.status == AssetStatus.DRAFT


def test_a_rep_changes_no_details(internal_asset, rep):
    error = refusal(lambda: assets.asset_update(asset_id=internal_asset.pk, actor=rep, title="Mine now"))
    assert error.code == "forbidden"
    internal_asset.refresh_from_db()
    assert internal_asset.title != "Mine now"


def test_an_internal_published_asset_does_not_turn_customer_facing_without_legal(owner, frozen):
    asset = published_asset(owner=owner, audience=Audience.INTERNAL)
    error = refusal(lambda: assets.asset_update(asset_id=asset.pk, actor=owner, audience=Audience.CUSTOMER))
    assert error.code == "needs_review"
    asset.refresh_from_db()
    assert asset.audience == Audience.INTERNAL and not asset.events.exists()


def test_submit_without_a_draft_version_is_refused(internal_asset, owner):
    error = refusal(lambda: assets.asset_submit(asset_id=internal_asset.pk, actor=owner))
    assert error.code == "nothing_to_submit"
    internal_asset.refresh_from_db()
    assert internal_asset.status == AssetStatus.DRAFT


def test_archiving_withdraws_the_version_in_review(internal_asset, owner):
    version = versions.version_upload(
        asset_id=internal_asset.pk, actor=owner, upload=samples.upload("d.pdf", samples.PDF)
    ).version
    assets.asset_submit(asset_id=internal_asset.pk, actor=owner)
    assets.asset_archive(asset_id=internal_asset.pk, actor=owner, reason="Product retired")
    internal_asset.refresh_from_db()
    version.refresh_from_db()
    assert (internal_asset.status, version.status) == (AssetStatus.ARCHIVED, VersionStatus.DRAFT)
    event = internal_asset.events.get(kind=Kind.ARCHIVED)
    assert (event.from_status, event.reason, event.actor) == (AssetStatus.IN_REVIEW, "Product retired", owner)


def test_the_sweep_archives_as_nobody_and_twice_is_once(owner, frozen):
    asset = published_asset(owner=owner)
    assets.asset_archive(asset_id=asset.pk, actor=None, reason="Expired")
    assets.asset_archive(asset_id=asset.pk, actor=None, reason="Expired")
    assert asset.events.filter(kind=Kind.ARCHIVED, actor=None).count() == 1


def test_reopening_brings_an_archived_asset_back_as_a_draft(internal_asset, owner):
    assets.asset_archive(asset_id=internal_asset.pk, actor=owner)
    assets.asset_reopen(asset_id=internal_asset.pk, actor=owner, reason="Back on sale")
    internal_asset.refresh_from_db()
    assert internal_asset.status == AssetStatus.DRAFT
    event = internal_asset.events.get(kind=Kind.REOPENED)
    assert (event.from_status, event.to_status) == (AssetStatus.ARCHIVED, AssetStatus.DRAFT)


def test_reopening_a_draft_is_an_illegal_move(internal_asset, owner):
    error = refusal(lambda: assets.asset_reopen(asset_id=internal_asset.pk, actor=owner))
    assert (error.code, error.status_code) == ("illegal_move", 409) and not internal_asset.events.exists()


def test_an_archived_asset_cannot_be_changed(internal_asset, owner):
    assets.asset_archive(asset_id=internal_asset.pk, actor=owner)
    error = refusal(lambda: assets.asset_update(asset_id=internal_asset.pk, actor=owner, title="Edited"))
    assert error.code == "archived"


def test_the_moves_table_is_the_decided_one():
    assert {source: set(targets) for source, targets in ASSET_MOVES.items()} == {
        "draft": {"in_review", "archived"},
        "in_review": {"published", "draft", "archived"},
        "published": {"archived"},
        "archived": {"draft"},
    }


def test_an_unknown_asset_is_refused(owner, db):
    assert refusal(lambda: assets.asset_submit(asset_id=999_999, actor=owner)).code == "not_found"
