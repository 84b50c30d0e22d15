"""Full-text search of the library: the search vector kept on PostgreSQL, ranked queries; `icontains` on SQLite.

PostgreSQL: `Asset.search_vector` holds the title (weight A), the tag names and the description (B) and the
current version's extracted text (C), all in one text search configuration (`SEARCH_CONFIG`); a query is read as a
web search box reads it ("pricing deck", `"exact phrase"`, `-internal`, `or`), matched through the GIN index of
migration 0003 and ranked by `ts_rank` (a title match outranks any number of body matches). When nothing matches,
titles are searched again by trigram word similarity (`title %> q`: some run of the title's words is at least
`WORD_SIMILARITY` similar to the query; the trigram index of 0003), so "pricng"
finds "Pricing". SQLite has neither: every word of the query must occur (case-insensitively) in the title, description,
a tag name or the current text, and title matches come first.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Left

from apps.marketing_ops.content.models import Asset, AssetVersion, Tag

# One configuration for the vector and the query. English stems ("pricing" finds "price"); assets in other
# languages are still found by their words, without stemming of theirs.
SEARCH_CONFIG = "english"
# A tsvector holds at most 1 MB; extracted text beyond this is left out of the search (a long PDF's first pages
# carry its subject).
MAX_BODY_CHARS = 200_000
# The typo fallback: titles at least this similar to the query (pg_trgm word similarity), the most similar first.
WORD_SIMILARITY = 0.45
MAX_SIMILAR = 100


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def asset_vector() -> SearchVector:
    """The expression an asset's `search_vector` is set to, per row, in an UPDATE (also used by the bench fill)."""
    tag_names = (
        Tag.objects.filter(assets=OuterRef("pk"))
        .order_by()
        .values("assets")
        .annotate(names=StringAgg("name", delimiter=" "))
        .values("names")
    )
    # No ordering: the versions' default one joins the asset table into the subquery.
    body = AssetVersion.objects.filter(pk=OuterRef("current_version_id")).order_by().values("text")
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(Subquery(tag_names), "description", weight="B", config=SEARCH_CONFIG)
        + SearchVector(Left(Coalesce(Subquery(body), Value("")), MAX_BODY_CHARS), weight="C", config=SEARCH_CONFIG)
    )


def asset_search_refresh(asset_ids) -> None:
    """Recompute the search vector of these assets (title A, tags and description B, current text C).

    Called by every service that changes what is searched; one UPDATE; a no-op on SQLite.
    """
    ids = list(asset_ids)
    if not ids or not on_postgres():
        return
    Asset.objects.filter(pk__in=ids).update(search_vector=asset_vector())


def asset_search(queryset: QuerySet[Asset], q: str) -> QuerySet[Asset]:
    """`queryset` cut to the assets matching `q`, best first (then by title); unchanged for an empty query.

    On PostgreSQL this asks one short query (does anything match?) before returning the ranked queryset, so that
    it can fall back to similar titles when nothing does.
    """
    q = (q or "").strip()
    if not q:
        return queryset
    if on_postgres():
        return _ranked(queryset, q)
    return _contains(queryset, q)


def _ranked(queryset: QuerySet[Asset], q: str) -> QuerySet[Asset]:
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    matched = queryset.filter(search_vector=query)
    if matched.exists():
        return matched.annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "title", "id")
    # Nothing matched (a typo, a word the stemmer does not know): similar titles, most similar first.
    return (
        queryset.filter(pk__in=_similar_titles(queryset, q))
        .annotate(rank=TrigramWordSimilarity(q, "title"))
        .order_by("-rank", "title", "id")
    )


def _similar_titles(queryset: QuerySet[Asset], q: str) -> list[int]:
    """Ids of the (at most `MAX_SIMILAR`) assets whose titles are most like `q`, found through the trigram index.

    `title %> q` reads pg_trgm's `word_similarity_threshold`, whose default (0.6) misses a dropped letter in a short
    word ("pricng" is 0.57 like "Retail pricing"); it is lowered for this transaction only (`SET LOCAL`, safe behind
    a transaction-pooling PgBouncer), so the ids are read here rather than lazily.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY)])
        similar = queryset.filter(title__trigram_word_similar=q).annotate(similarity=TrigramWordSimilarity(q, "title"))
        return list(similar.order_by("-similarity", "id").values_list("pk", flat=True)[:MAX_SIMILAR])


def _contains(queryset: QuerySet[Asset], q: str) -> QuerySet[Asset]:
    words = q.split()
    for word in words:
        tagged = Tag.objects.filter(assets=OuterRef("pk"), name__icontains=word)
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(current_version__text__icontains=word)
            | Exists(tagged)
        )
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    title_first = Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(rank=title_first).order_by("rank", "title", "id")
