"""/api/v1/content/assets/: who sees which assets, search and filters, a constant query count, details (versions
only for curators and owners), creating and changing assets, and the tag vocabulary."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.marketing_ops.content.factories import AssetFactory, TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import Asset, AssetEvent, AssetKind, AssetStatus, Audience
from apps.marketing_ops.content.search import asset_search_refresh
from tests.marketing_ops.content.conftest import TODAY

URL = "/api/v1/content/assets/"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def library(owner, frozen):
    """A live deck, an expired one, a draft, an archived one, and a live internal battlecard."""
    pricing = TagFactory(name="Pricing", slug="pricing")
    live = published_asset(owner=owner, title="Pricing deck", description="How we price", product="Analytics")
    live.tags.add(pricing)
    published_asset(owner=owner, title="Old pricing", expires_on=TODAY)
    AssetFactory(owner=owner, title="Draft plan")
    AssetFactory(owner=owner, title="Retired deck", status=AssetStatus.ARCHIVED)
    published_asset(owner=owner, title="Battlecard", kind=AssetKind.BATTLECARD, audience=Audience.INTERNAL)
    return live


def test_a_rep_lists_live_assets_only(api, rep, library):
    assert titles(api.as_user(rep).get(URL)) == ["Battlecard", "Pricing deck"]


def test_curators_list_every_asset(api, marketing_ops, legal, library):
    everything = ["Battlecard", "Draft plan", "Old pricing", "Pricing deck", "Retired deck"]
    assert titles(api.as_user(marketing_ops).get(URL)) == everything
    assert titles(api.as_user(legal).get(URL)) == everything


def test_a_row_carries_tags_owner_and_current_version(api, rep, library):
    (row,) = [r for r in api.as_user(rep).get(URL).json()["results"] if r["id"] == library.pk]
    assert row["tags"] == [{"id": library.tags.get().pk, "name": "Pricing", "slug": "pricing"}]
    assert row["owner"]["username"] == "olga"
    assert row["current_version"]["number"] == 1 and row["current_version"]["mime_type"] == "application/pdf"
    assert "versions" not in row


def test_search_finds_by_description_and_filters_narrow(api, rep, library):
    client = api.as_user(rep)
    assert titles(client.get(URL, {"q": "price"})) == ["Pricing deck"]
    assert titles(client.get(URL, {"kind": "battlecard"})) == ["Battlecard"]
    assert titles(client.get(URL, {"tag": "pricing"})) == ["Pricing deck"]
    assert titles(client.get(URL, {"audience": "internal"})) == ["Battlecard"]
    assert titles(client.get(URL, {"q": "deck", "product": "analytics"})) == ["Pricing deck"]


def test_search_never_shows_a_rep_what_they_may_not_see(api, rep, library):
    assert titles(api.as_user(rep).get(URL, {"q": "pricing"})) == ["Pricing deck"]


def test_a_filter_value_that_is_none_is_a_400_naming_it(api, rep, library):
    response = api.as_user(rep).get(URL, {"kind": "poster"})
    assert response.status_code == 400 and "kind" in response.json()


def test_curators_filter_by_status(api, marketing_ops, library):
    assert titles(api.as_user(marketing_ops).get(URL, {"status": "draft"})) == ["Draft plan"]


def test_pages_by_number(api, rep, library):
    response = api.as_user(rep).get(URL, {"page_size": 1, "page": 2})
    assert titles(response) == ["Pricing deck"] and response.json()["count"] == 2
    assert api.as_user(rep).get(URL, {"page": 9}).status_code == 404


@pytest.mark.parametrize("search", [{}, {"q": "deck"}, {"tag": "pricing", "kind": "deck"}])
def test_the_query_count_does_not_grow_with_the_rows(api, rep, owner, frozen, django_assert_num_queries, search):
    tags = [TagFactory(name="Pricing", slug="pricing"), TagFactory(name="Retail", slug="retail")]

    def fill(n):
        for i in range(n):
            asset = published_asset(owner=owner, title=f"Deck {Asset.objects.count()}", description=f"deck {i}")
            asset.tags.set(tags)
        asset_search_refresh(Asset.objects.values_list("pk", flat=True))  # the factory writes rows directly

    client = api.as_user(rep)
    fill(5)
    client.get(URL)  # the signed-in user's roles are read once and kept on the user
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL, search).json()["results"]) == 5
    # the count, the page, its tags (and, with a search on PostgreSQL, whether anything matches)
    assert len(five) <= 4
    fill(25)
    with django_assert_num_queries(len(five)):
        assert len(client.get(URL, search).json()["results"]) == 30


def test_anonymous_callers_are_asked_to_sign_in(api, library):
    assert api.get(URL).status_code == 401


# --- one asset ------------------------------------------------------------------------------------------------


def test_a_rep_reads_a_live_asset_without_its_versions(api, rep, library):
    VersionFactory(asset=library)  # a draft v2
    body = api.as_user(rep).get(f"{URL}{library.pk}/").json()
    assert body["title"] == "Pricing deck" and body["current_version"]["number"] == 1
    assert body["versions"] == []


def test_curators_and_the_owner_read_every_version_with_its_reviews(api, owner, legal, library):
    VersionFactory(asset=library)
    for user in (owner, legal):
        versions = api.as_user(user).get(f"{URL}{library.pk}/").json()["versions"]
        assert [(v["number"], v["status"]) for v in versions] == [(2, "draft"), (1, "published")]
        assert versions[0]["uploaded_by"]["username"] == "olga" and versions[0]["reviews"] == []


@pytest.mark.parametrize("title", ["Old pricing", "Draft plan", "Retired deck"])
def test_a_rep_asking_for_an_asset_not_live_gets_a_404(api, rep, library, title):
    response = api.as_user(rep).get(f"{URL}{Asset.objects.get(title=title).pk}/")
    assert response.status_code == 404


def test_an_owner_who_is_a_rep_reads_their_own_draft(api, rep, frozen):
    draft = AssetFactory(owner=rep, title="Mine")
    assert api.as_user(rep).get(f"{URL}{draft.pk}/").json()["title"] == "Mine"


# --- create and change ----------------------------------------------------------------------------------------

NEW = {
    "title": "Q3 battlecard",
    "kind": "battlecard",
    "audience": "internal",
    "review_by": "2026-09-01",
    "tags": ["pricing", "Retail"],
    "description": "Against the incumbent",
}


@pytest.fixture
def vocabulary(db):
    return [TagFactory(name="Pricing", slug="pricing"), TagFactory(name="Retail", slug="retail")]


def test_marketing_ops_create_a_draft_with_tags(api, marketing_ops, vocabulary, frozen):
    response = api.as_user(marketing_ops).post(URL, NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["owner"]["username"], body["current_version"]) == ("draft", "mops", None)
    assert sorted(tag["slug"] for tag in body["tags"]) == ["pricing", "retail"]
    assert AssetEvent.objects.get(asset_id=body["id"]).kind == "created"


def test_an_unknown_tag_is_a_400_naming_tags_and_nothing_is_written(api, marketing_ops, vocabulary, frozen):
    response = api.as_user(marketing_ops).post(URL, {**NEW, "tags": ["pricing", "crypto", "nft"]}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_tag"
    assert "crypto, nft" in response.json()["tags"][0]
    assert not Asset.objects.exists() and not AssetEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "poster"}, "kind"),
        ({"review_by": "soon"}, "review_by"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"tags": "pricing"}, "tags"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"owner": 2**70}, "owner"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, marketing_ops, vocabulary, frozen, change, field):
    response = api.as_user(marketing_ops).post(URL, {**NEW, **change}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Asset.objects.exists()


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops", "legal"])
def test_only_marketing_ops_create_assets(api, request, role, vocabulary, frozen):
    response = api.as_user(request.getfixturevalue(role)).post(URL, NEW, format="json")
    assert response.status_code == 403
    assert not Asset.objects.exists()


def test_the_owner_changes_details_and_tags(api, owner, library, vocabulary):
    response = api.as_user(owner).patch(
        f"{URL}{library.pk}/", {"title": "Pricing deck 2026", "tags": ["retail"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Pricing deck 2026"
    assert [tag["slug"] for tag in response.json()["tags"]] == ["retail"]
    assert library.events.get(kind="changed").reason == "Changed: title, tags."


def test_changing_with_an_unknown_tag_changes_nothing(api, owner, library):
    response = api.as_user(owner).patch(f"{URL}{library.pk}/", {"title": "Renamed", "tags": ["nope"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_tag")
    library.refresh_from_db()
    assert library.title == "Pricing deck" and not library.events.filter(kind="changed").exists()


def test_a_rep_may_not_change_a_live_asset(api, rep, library):
    response = api.as_user(rep).patch(f"{URL}{library.pk}/", {"title": "Mine now"}, format="json")
    assert response.status_code == 403
    library.refresh_from_db()
    assert library.title == "Pricing deck"


def test_an_archived_asset_is_a_409_until_reopened(api, owner, library):
    archived = Asset.objects.get(title="Retired deck")
    response = api.as_user(owner).patch(f"{URL}{archived.pk}/", {"title": "Back"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "archived")


def test_making_an_internal_asset_customer_facing_needs_legal(api, owner, library):
    battlecard = Asset.objects.get(title="Battlecard")
    response = api.as_user(owner).patch(f"{URL}{battlecard.pk}/", {"audience": "customer"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "needs_review")
    battlecard.refresh_from_db()
    assert battlecard.audience == Audience.INTERNAL


def test_put_is_not_offered(api, owner, library):
    assert api.as_user(owner).put(f"{URL}{library.pk}/", NEW, format="json").status_code == 405


# --- the vocabulary -------------------------------------------------------------------------------------------


def test_everyone_reads_the_tag_vocabulary(api, rep, vocabulary):
    response = api.as_user(rep).get("/api/v1/content/tags/")
    assert response.json() == [
        {"id": vocabulary[0].pk, "name": "Pricing", "slug": "pricing"},
        {"id": vocabulary[1].pk, "name": "Retail", "slug": "retail"},
    ]


def test_the_vocabulary_is_read_only(api, marketing_ops, vocabulary):
    response = api.as_user(marketing_ops).post("/api/v1/content/tags/", {"name": "New", "slug": "new"})
    assert response.status_code == 405


def test_expiry_is_read_in_the_library_time_zone(api, rep, owner, frozen):
    published_asset(owner=owner, title="Tomorrow", expires_on=TODAY + dt.timedelta(days=1))
    assert titles(api.as_user(rep).get(URL)) == ["Tomorrow"]
