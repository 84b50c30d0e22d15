"""AssetFilter: the library's facets and search, shared by the page and the API; `status` for curators only."""

import datetime as dt

import pytest
import time_machine
from django.http import QueryDict

from apps.marketing_ops.content.factories import AssetFactory, TagFactory, published_asset
from apps.marketing_ops.content.filters import AssetFilter
from apps.marketing_ops.content.models import Asset, AssetKind, AssetStatus, Audience, FunnelStage
from apps.marketing_ops.content.search import asset_search_refresh
from apps.marketing_ops.content.selectors import library_list, visible_assets


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def shelf(db):
    pricing, security = TagFactory(name="Pricing", slug="pricing"), TagFactory(name="Security", slug="security")
    deck = published_asset(
        title="Retail pricing deck",
        kind=AssetKind.DECK,
        product="Analytics",
        segment="smb",
        funnel_stage=FunnelStage.DECISION,
        language="de",
        audience=Audience.CUSTOMER,
    )
    deck.tags.add(pricing, security)
    sheet = published_asset(
        title="Security datasheet",
        kind=AssetKind.DATASHEET,
        product="Guard",
        segment="enterprise",
        funnel_stage=FunnelStage.CONSIDERATION,
        audience=Audience.INTERNAL,
    )
    sheet.tags.add(security)
    draft = AssetFactory(title="Pricing draft")
    asset_search_refresh(Asset.objects.values_list("pk", flat=True))
    return {"deck": deck, "sheet": sheet, "draft": draft}


def filtered(user, query: str) -> set:
    filterset = AssetFilter(QueryDict(query), queryset=visible_assets(user), user=user)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=deck", {"deck"}),
        ("kind=deck&kind=datasheet", {"deck", "sheet"}),
        ("product=analytics", {"deck"}),
        ("segment=enterprise", {"sheet"}),
        ("funnel_stage=decision", {"deck"}),
        ("language=de", {"deck"}),
        ("audience=internal", {"sheet"}),
        ("tag=pricing", {"deck"}),
        ("q=security", {"deck", "sheet"}),  # a tag name, a title
        ("q=security&kind=datasheet", {"sheet"}),
        ("", {"deck", "sheet"}),
    ],
)
def test_each_facet_narrows_the_list(shelf, rep, query, expected):
    assert filtered(rep, query) == {shelf[name] for name in expected}


def test_several_tags_match_any_and_list_each_asset_once(shelf, rep):
    filterset = AssetFilter(QueryDict("tag=pricing&tag=security"), queryset=visible_assets(rep), user=rep)

    assert sorted(a.title for a in filterset.qs) == ["Retail pricing deck", "Security datasheet"]


def test_an_unknown_tag_is_an_error_naming_the_filter(shelf, rep):
    filterset = AssetFilter(QueryDict("tag=nonsense"), queryset=visible_assets(rep), user=rep)

    assert not filterset.is_valid()
    assert "tag" in filterset.errors


def test_curators_filter_by_status(shelf, marketing_ops):
    assert filtered(marketing_ops, "status=draft") == {shelf["draft"]}
    assert filtered(marketing_ops, f"status={AssetStatus.PUBLISHED}") == {shelf["deck"], shelf["sheet"]}


def test_status_is_not_a_filter_for_reps(shelf, rep):
    filterset = AssetFilter(QueryDict("status=draft"), queryset=visible_assets(rep), user=rep)

    assert "status" not in filterset.filters
    assert set(filterset.qs) == {shelf["deck"], shelf["sheet"]}


def test_the_filter_set_reads_the_user_from_the_request(shelf, rf, marketing_ops):
    request = rf.get("/")
    request.user = marketing_ops

    assert "status" in AssetFilter(QueryDict(""), queryset=Asset.objects.all(), request=request).filters


def test_library_list_applies_the_same_filters(shelf, rep):
    assert list(library_list(user=rep, filters=QueryDict("kind=datasheet"))) == [shelf["sheet"]]
    assert list(library_list(user=rep, filters=QueryDict("q=pricing"))) == [shelf["deck"]]
