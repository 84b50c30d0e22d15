"""Search: ranking on a small hand-built corpus (PostgreSQL), the typo fallback, `icontains` on SQLite, and that a
rep's search never returns what a rep may not see."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content.factories import AssetFactory, TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import Asset, AssetStatus, Audience
from apps.marketing_ops.content.search import asset_search, asset_search_refresh
from apps.marketing_ops.content.selectors import library_list

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite fallback")


def with_text(asset: Asset, text: str) -> Asset:
    version = asset.current_version
    version.text = text
    version.save(update_fields=["text"])
    return asset


def refresh_all() -> None:
    asset_search_refresh(Asset.objects.values_list("pk", flat=True))


def titles(queryset) -> list[str]:
    return [asset.title for asset in queryset]


@pytest.fixture
def corpus(db):
    """ "Kubernetes" once in a title, once in a tag, once in a description, many times in a body; one asset without."""
    in_title = published_asset(title="Kubernetes migration guide")
    in_tag = published_asset(title="Cloud platform overview")
    in_tag.tags.add(TagFactory(name="Kubernetes", slug="kubernetes"))
    in_description = published_asset(title="Container costs", description="What running Kubernetes costs a year.")
    in_body = with_text(
        published_asset(title="Architecture whitepaper"),
        "Kubernetes clusters. " * 30 + "Kubernetes operators and kubernetes upgrades.",
    )
    published_asset(title="Retail pricing sheet", description="List prices for retail.")
    refresh_all()
    return in_title, in_tag, in_description, in_body


def test_title_match_ranks_first_then_tags_and_description_then_body(on_postgres, corpus):
    in_title, in_tag, in_description, in_body = corpus

    found = list(asset_search(Asset.objects.all(), "kubernetes"))

    assert found[0] == in_title
    assert set(found[1:3]) == {in_tag, in_description}
    assert found[3] == in_body
    assert len(found) == 4
    assert found[0].rank > found[1].rank >= found[2].rank > found[3].rank


def test_two_words_must_both_match_and_stems_match(on_postgres, corpus):
    found = titles(asset_search(Asset.objects.all(), "kubernetes upgrade"))  # "upgrades" in the body

    assert found == ["Architecture whitepaper"]


def test_search_vector_follows_the_current_version_text(on_postgres, corpus):
    in_body = corpus[3]
    with_text(in_body, "Nothing about containers any more.")

    asset_search_refresh([in_body.pk])

    assert in_body not in asset_search(Asset.objects.all(), "kubernetes")


def test_a_typo_falls_back_to_similar_titles(on_postgres, corpus):
    found = titles(asset_search(Asset.objects.all(), "pricng"))

    assert found == ["Retail pricing sheet"]


def test_the_fallback_is_not_used_when_something_matches(on_postgres, corpus):
    # "guide" matches a title in full text; trigram neighbours of it are not added
    found = titles(asset_search(Asset.objects.all(), "guide"))

    assert found == ["Kubernetes migration guide"]


def test_refresh_is_one_update_for_many_assets(on_postgres, corpus, django_assert_num_queries):
    with django_assert_num_queries(1):
        asset_search_refresh([asset.pk for asset in corpus])


def test_an_empty_query_leaves_the_list_as_it_was(corpus):
    assert asset_search(Asset.objects.all(), "  ").count() == 5


def test_sqlite_matches_every_word_anywhere_title_matches_first(on_sqlite, corpus):
    in_title, in_tag, in_description, in_body = corpus

    found = list(asset_search(Asset.objects.all(), "KUBERNETES"))

    assert found[0] == in_title
    assert set(found[1:]) == {in_tag, in_description, in_body}
    assert titles(asset_search(Asset.objects.all(), "kubernetes upgrades")) == ["Architecture whitepaper"]
    assert titles(asset_search(Asset.objects.all(), "retail sheet")) == ["Retail pricing sheet"]


def test_refresh_is_a_no_op_on_sqlite(on_sqlite, corpus, django_assert_num_queries):
    with django_assert_num_queries(0):
        asset_search_refresh([asset.pk for asset in corpus])


@pytest.fixture
def hidden_from_reps(db):
    """Matching assets a rep may not see (draft, in review, expired today, archived), and two they may."""
    owner = UserFactory(roles=[Role.MARKETING_OPS])
    draft = AssetFactory(title="Kubernetes draft", owner=owner)
    VersionFactory(asset=draft)
    in_review = AssetFactory(title="Kubernetes in review", owner=owner, status=AssetStatus.IN_REVIEW)
    expired = published_asset(title="Kubernetes expired", owner=owner, expires_on=TODAY)
    archived = published_asset(title="Kubernetes archived", owner=owner)
    Asset.objects.filter(pk=archived.pk).update(status=AssetStatus.ARCHIVED)
    live = published_asset(title="Kubernetes live", owner=owner, expires_on=TODAY + dt.timedelta(days=1))
    internal = published_asset(title="Kubernetes internal", owner=owner, audience=Audience.INTERNAL)
    refresh_all()
    return {"hidden": [draft, in_review, expired, archived], "live": [live, internal]}


@pytest.mark.parametrize("query", ["kubernetes", "kubernetse"])  # the second: the typo fallback
def test_a_rep_never_finds_draft_in_review_expired_or_archived_assets(hidden_from_reps, rep, query):
    if query == "kubernetse" and connection.vendor != "postgresql":
        pytest.skip("the typo fallback is PostgreSQL's")

    found = list(library_list(user=rep, q=query))

    # Internal live assets are in the library (reps may read and download them, not share them: CONTENT.md).
    assert sorted(found, key=lambda a: a.pk) == sorted(hidden_from_reps["live"], key=lambda a: a.pk)


def test_a_curator_finds_every_status(hidden_from_reps, marketing_ops):
    found = set(library_list(user=marketing_ops, q="kubernetes"))

    assert found == {*hidden_from_reps["hidden"], *hidden_from_reps["live"]}
