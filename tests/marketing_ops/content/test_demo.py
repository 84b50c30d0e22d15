"""The content demo: a library worth opening (every status and kind, real files with text and previews), made once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from PIL import Image

from apps.marketing_ops.content.demo import content_demo_seed
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentShare,
    ContentUsage,
    ProcessingStatus,
    ReviewerRole,
    VersionReview,
    VersionStatus,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Asset, AssetVersion, AssetEvent, VersionReview, ContentUsage, ContentShare)
    )


@pytest.fixture
def seeded(db, clock):
    call_command("seed_demo", accounts=30)
    return counts()


def test_seeding_twice_makes_the_library_once(seeded):
    assert content_demo_seed() == "Content demo: already present."
    call_command("seed_demo", accounts=30)
    assert counts() == seeded
    assert 25 <= seeded[0] <= 40


def test_the_library_is_one_worth_opening(seeded):
    """Seeding takes a while (real files, processed): one seed, the demo's promises checked in turn."""
    every_status_kind_and_audience_is_present()
    published_assets_have_a_current_version_and_some_expire_within_two_weeks()
    a_customer_asset_in_review_waits_for_legal()
    nobody_approved_their_own_version()
    the_files_are_real_and_processed_with_text_and_previews()


def every_status_kind_and_audience_is_present():
    assert set(Asset.objects.values_list("status", flat=True)) == set(AssetStatus.values)
    assert set(Asset.objects.values_list("kind", flat=True)) == set(AssetKind.values)
    assert set(Asset.objects.values_list("audience", flat=True)) == set(Audience.values)


def published_assets_have_a_current_version_and_some_expire_within_two_weeks():
    today = T0.date()
    published = Asset.objects.filter(status=AssetStatus.PUBLISHED)
    assert not published.filter(current_version__isnull=True).exists()
    assert published.filter(current_version__status=VersionStatus.PUBLISHED).count() == published.count()
    assert published.filter(expires_on__gt=today, expires_on__lte=today + dt.timedelta(days=14)).count() >= 3
    assert Asset.objects.filter(versions__number=3).exists()
    assert AssetVersion.objects.filter(status=VersionStatus.SUPERSEDED).exists()


def a_customer_asset_in_review_waits_for_legal():
    waiting = AssetVersion.objects.filter(
        status=VersionStatus.IN_REVIEW, asset__audience=Audience.CUSTOMER, reviews__role=ReviewerRole.MARKETING_OPS
    ).exclude(reviews__role=ReviewerRole.LEGAL)
    assert waiting.count() == 1
    assert waiting.get().asset.status == AssetStatus.IN_REVIEW


def nobody_approved_their_own_version():
    for review in VersionReview.objects.select_related("version__asset"):
        assert review.reviewer_id not in (review.version.asset.owner_id, review.version.uploaded_by_id)


def the_files_are_real_and_processed_with_text_and_previews():
    versions = AssetVersion.objects.all()
    assert not versions.filter(text_status=ProcessingStatus.PENDING).exists()
    assert not versions.filter(preview_status=ProcessingStatus.PENDING).exists()
    assert set(versions.values_list("file_kind", flat=True)) >= {"pdf", "office", "image", "text"}
    northwind = Asset.objects.get(title__startswith="Northwind Logistics case study")
    assert "40 % less reporting effort" in northwind.current_version.text
    with northwind.current_version.preview.open("rb") as preview:
        assert Image.open(preview).format == "PNG"
    office = versions.filter(file_kind="office")
    assert office.filter(text_status=ProcessingStatus.DONE).count() == office.count()
