"""The content library's search: 100,000 assets whose current versions hold a few KB of text each (filled by COPY,
their search vectors by one UPDATE), a two-word query through `asset_search` timed beside its own SQL run alone,
the plan's use of the GIN index, and the library page's query count at 10 and 100 results."""

import datetime as dt
import io
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core.models import Role, User
from apps.marketing_ops.content import search, selectors
from apps.marketing_ops.content.models import Asset, AssetKind, Audience, FunnelStage, Tag
from tests.bench.fill import timed
from tests.bench.measure import BenchError

ASSETS = 100_000
SEED = 20_261_123  # a fixed seed: every fill writes the same library, so runs compare like with like
TODAY = dt.date(2026, 11, 23)  # visibility is computed for this day, so reused data gives the same figures
OWNER, REP = "bench_content_owner", "bench_content_rep"
# Two two-word queries: a topic and a rarer word (a name or jargon, in about 1 document of 100) that finds a few
# hundred assets, and two common sales words that find a fifth of the library (ranking every match costs most).
QUERIES = {"specific": "pricing rimata", "broad": "renewal forecast"}
INDEX = "content_asset_search"
INDEXES = (INDEX, "content_asset_title_trgm")
UPDATE_WORKERS = max(1, min(4, os.cpu_count() or 1))
GOAL = (1.5, "≤ 1.50× SQL alone")
TABLES = [
    "marketing_ops_asset",
    "marketing_ops_assetversion",
    "marketing_ops_asset_tags",
    "marketing_ops_tag",
    "marketing_ops_assetevent",
    "marketing_ops_contentusage",
    "marketing_ops_contentshare",
    "marketing_ops_versionreview",
]

# The head of the vocabulary: the words sales collateral is made of, most frequent first (Zipf's law picks them).
COMMON = (
    "the of and to a in for is on that with our your we you it as are this by from be at or can an will more "
    "customer customers team data platform product value sales business teams time cost new use how their "
    "which one all growth results market pipeline revenue process support solution service security integration "
    "analytics reporting performance first help across every while than each most report users without real "
    "deploy cloud onboarding pricing contract renewal forecast compliance migration workflow dashboard insight "
    "partner channel campaign enterprise account retention adoption training roadmap quarter budget savings "
    "automation license upgrade governance audit risk privacy model scale benchmark outcome strategy buyer "
    "procurement stakeholder champion objection discovery proposal negotiation competitor advantage case study "
    "implementation timeline success manager executive director finance operations marketing engineering legal "
    "retail healthcare manufacturing logistics banking insurance telecom energy public sector education"
).split()
SYLLABLES = "ka lo mi ne ra to su vi de pa ri co ma ne li fo ta ge ba nu ro se ti da le mo".split()
PRODUCTS = ["Analytics", "Pipeline", "Insights", "Connect", "Guard", "Flow", "Ledger", "Pulse"]
TOPICS = [
    "pricing",
    "renewal",
    "onboarding",
    "security",
    "migration",
    "forecast",
    "compliance",
    "integration",
    "benchmark",
    "roadmap",
    "adoption",
    "retention",
]
INDUSTRIES = ["retail", "healthcare", "manufacturing", "logistics", "banking", "insurance", "telecom", "energy"]
KIND_WORDS = {
    AssetKind.DECK: "deck",
    AssetKind.CASE_STUDY: "case study",
    AssetKind.BATTLECARD: "battlecard",
    AssetKind.ONE_PAGER: "one-pager",
    AssetKind.DATASHEET: "datasheet",
    AssetKind.PLAYBOOK: "playbook",
}


@dataclass(frozen=True)
class Searched:
    query: str
    matches: int
    median_ms: dict[str, float]  # search (asset_search, a page of 20), sql (the same SQL alone)
    queries: int
    plan: list[str]

    @property
    def uses_index(self) -> bool:
        return any(INDEX in line for line in self.plan)


@dataclass(frozen=True)
class Result:
    assets: int
    live: int
    searches: list[Searched]
    page_queries: dict[str, int]  # the library page's query count, browsing and searching, at 10 and 100 rows


def prepare(*, refill: bool, log=print) -> None:
    from tests.bench import database

    database.ensure_exists(recreate=refill)
    call_command("migrate", interactive=False, verbosity=0)
    if not refill and is_filled():
        log(f"Reusing the content library ({ASSETS:,} assets).")
        return
    log(f"Filling {ASSETS:,} assets with a few KB of text each …")
    started = time.perf_counter()
    fill(log=log)
    log(f"Filled in {time.perf_counter() - started:.0f} s.")


def is_filled() -> bool:
    return (
        Asset.objects.filter(owner__username=OWNER).count() == ASSETS
        and not Asset.objects.filter(search_vector__isnull=True).exists()
        and _index_names() == set(INDEXES)
    )


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
        return {name for (name,) in cursor.fetchall()}


def fill(*, log=print) -> None:
    """Empty the content tables, write tags, assets and their versions by COPY, then every search vector."""
    rng = random.Random(SEED)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        owner = _user(OWNER, Role.MARKETING_OPS)
        _user(REP, Role.REP)
        tags = Tag.objects.bulk_create(
            Tag(name=name.title(), slug=name) for name in [*TOPICS, *INDUSTRIES, *(p.lower() for p in PRODUCTS)]
        )
        # Foreign keys are checked at commit: assets may name their current version before it is written.
        timed(log, "assets and versions (COPY)", lambda: _assets_and_versions(rng, owner, [t.pk for t in tags]))
    with _indexes_dropped():
        timed(log, f"search vectors ({UPDATE_WORKERS} UPDATEs side by side)", _vectors)
        log("  building the search indexes again …")
    timed(log, "content vacuum analyze", _vacuum_analyze)


def _vectors() -> None:
    """`search.asset_vector()` for every asset: the services' own expression, over id ranges on parallel connections
    (to_tsvector of a few hundred MB of text is the fill's longest step; a refill stopped half-way leaves vectors
    missing, which `is_filled` sees)."""
    step = ASSETS // UPDATE_WORKERS + 1

    def update(first: int) -> None:
        try:
            Asset.objects.filter(pk__gte=first, pk__lt=first + step).update(search_vector=search.asset_vector())
        finally:
            connection.close()

    with ThreadPoolExecutor(UPDATE_WORKERS) as pool:
        list(pool.map(update, range(1, ASSETS + 1, step)))


@contextmanager
def _indexes_dropped():
    """The GIN indexes of migration 0003 dropped for the bulk UPDATE and built again after it, as they were.

    Updating 100,000 rows through two GIN indexes costs several times building them once (every new row version
    goes into every index); the definitions are read from the catalogue, so the bench builds what the migration did.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
        definitions = dict(cursor.fetchall())
        if set(definitions) != set(INDEXES):
            missing = sorted(set(INDEXES) - set(definitions))
            raise BenchError(f"The search indexes {missing} are missing (a fill stopped half-way?): run with --refill")
        for name in INDEXES:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name in INDEXES:
            cursor.execute(definitions[name])


def _user(username: str, role: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """The domain words, then 20,000 made-up ones (names, jargon, the long tail every real corpus has), with
    Zipf weights (the word of rank r is used in proportion to 1/r): the query's words are mid-frequency."""
    tail = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30_000)} - set(COMMON)
    words = COMMON + sorted(tail)[:20_000]
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        weights.append(total)
    return words, weights


def _text(rng: random.Random, words: list[str], weights: list[float], count: int) -> str:
    picked = rng.choices(words, cum_weights=weights, k=count)
    sentences = [" ".join(picked[i : i + 12]).capitalize() + "." for i in range(0, count, 12)]
    return " ".join(sentences)


def _paragraphs(rng: random.Random, count: int, words_each: tuple[int, int]) -> list[str]:
    """A pool of Zipf-worded paragraphs that documents are put together from: drawing every word of 100,000
    documents one by one costs minutes of Python, and a document of six drawn paragraphs reads the same to the
    index (its own mix of common and rare words)."""
    words, weights = _vocabulary(rng)
    return [_text(rng, words, weights, rng.randint(*words_each)) for _ in range(count)]


def _assets_and_versions(rng: random.Random, owner: User, tag_ids: list[int]) -> None:
    paragraphs = _paragraphs(rng, 5_000, (50, 90))
    kinds = list(KIND_WORDS)
    stages = FunnelStage.values
    now = "2026-11-01 09:00:00+00"
    assets, versions, tagged = io.StringIO(), io.StringIO(), io.StringIO()
    for pk in range(1, ASSETS + 1):
        kind, product = rng.choice(kinds), rng.choice(PRODUCTS)
        title = f"{product} {rng.choice(TOPICS)} {KIND_WORDS[kind]} for {rng.choice(INDUSTRIES)}"
        description = rng.choice(paragraphs)
        # Mostly live; a few drafts (no current version), archived and expired ones, as a real library has.
        roll = rng.random()
        status, current, expires = "published", str(pk), "\\N"
        if roll < 0.04:
            status, current = "draft", "\\N"
        elif roll < 0.08:
            status = "archived"
        elif roll < 0.12:
            expires = (TODAY - dt.timedelta(days=rng.randint(0, 300))).isoformat()
        audience = Audience.CUSTOMER if rng.random() < 0.7 else Audience.INTERNAL
        assets.write(
            "\t".join(
                [
                    str(pk),
                    title,
                    description,
                    kind,
                    product,
                    "",
                    rng.choice(stages),
                    "en",
                    str(owner.pk),
                    audience,
                    status,
                    "2027-06-30",
                    expires,
                    "",
                    current,
                    now,
                    now,
                ]
            )
            + "\n"
        )
        text = " ".join(rng.choices(paragraphs, k=rng.randint(3, 7)))  # 1.5–3.5 KB, 2.2 on average
        version_status = "published" if current != "\\N" else "draft"
        versions.write(
            "\t".join(
                [
                    str(pk),
                    str(pk),
                    "1",
                    version_status,
                    f"content/{pk}/{pk:032x}.pdf",
                    "deck.pdf",
                    "application/pdf",
                    "pdf",
                    str(len(text) * 20),
                    f"{pk:064x}",
                    "",
                    str(owner.pk),
                    now,
                    text,
                    "done",
                    "",
                    "",
                    "none",
                    "",
                ]
            )
            + "\n"
        )
        for tag_id in rng.sample(tag_ids, rng.randint(1, 3)):
            tagged.write(f"{pk}\t{tag_id}\n")
    with connection.cursor() as cursor:
        _copy(
            cursor,
            "marketing_ops_asset (id, title, description, kind, product, segment, funnel_stage, language, owner_id, "
            "audience, status, review_by, expires_on, url, current_version_id, created_at, updated_at)",
            assets,
        )
        _copy(
            cursor,
            "marketing_ops_assetversion (id, asset_id, number, status, file, display_name, mime_type, file_kind, "
            "size, sha256, note, uploaded_by_id, uploaded_at, text, text_status, text_note, preview, preview_status, "
            "preview_note)",
            versions,
        )
        _copy(cursor, "marketing_ops_asset_tags (asset_id, tag_id)", tagged)
        for table in ("marketing_ops_asset", "marketing_ops_assetversion"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _copy(cursor, target: str, rows: io.StringIO) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        copy.write(rows.getvalue())


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("marketing_ops_asset", "marketing_ops_assetversion", "marketing_ops_asset_tags"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


# --- the measurement ----------------------------------------------------------------------------


def _rep() -> User:
    return User.objects.get(username=REP)


def _search(rep: User, q: str) -> list[Asset]:
    """A page of 20 of a rep's search, as the library asks for it (the does-anything-match query included)."""
    return list(search.asset_search(selectors.visible_assets(rep, TODAY), q)[:20])


def _search_sql(rep: User, q: str) -> tuple[str, tuple]:
    return search.asset_search(selectors.visible_assets(rep, TODAY), q)[:20].query.sql_with_params()


def _sql_alone(sql: str, params: tuple) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _page(rep: User, q: str, size: int) -> list:
    """What a library page reads of each row: the asset, its current version, owner and tags."""
    rows = selectors.library_list(user=rep, q=q, today=TODAY)[:size]
    return [(a.title, a.current_version.number, a.owner.username, [t.slug for t in a.tags.all()]) for a in rows]


def _count_queries(action) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return len(captured), result


def _measure_query(rep: User, q: str, *, warmup: int, repeat: int) -> Searched:
    sql, params = _search_sql(rep, q)
    found = _search(rep, q)
    if not found:
        raise BenchError(f"The search for {q!r} found nothing.")
    if [a.pk for a in found] != [row[0] for row in _sql_alone(sql, params)]:
        raise BenchError(f"asset_search({q!r}) and its SQL alone return different assets.")
    actions = {"search": lambda: _search(rep, q), "sql": lambda: _sql_alone(sql, params)}
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for round_ in range(warmup + repeat):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            if round_ >= warmup:
                samples[name].append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    query = SearchQuery(q, search_type="websearch", config=search.SEARCH_CONFIG)
    return Searched(
        query=q,
        matches=selectors.visible_assets(rep, TODAY).filter(search_vector=query).order_by().count(),
        median_ms={name: statistics.median(times) * 1000 for name, times in samples.items()},
        queries=_count_queries(lambda: _search(rep, q))[0],
        plan=plan,
    )


def measure(*, warmup: int, repeat: int) -> Result:
    rep = _rep()
    assert rep.role_names is not None  # the roles are read once per request, before the list
    page_queries = {}
    for q, label in (("", "browse"), (QUERIES["specific"], "search")):
        for size in (10, 100):
            count, rows = _count_queries(lambda q=q, size=size: _page(rep, q, size))
            if len(rows) != size:
                raise BenchError(f"The library page ({label}) showed {len(rows)} rows, not {size}.")
            page_queries[f"{label} {size}"] = count
    return Result(
        assets=Asset.objects.count(),
        live=selectors.visible_assets(rep, TODAY).count(),
        searches=[_measure_query(rep, q, warmup=warmup, repeat=repeat) for q in QUERIES.values()],
        page_queries=page_queries,
    )


def report(result: Result, *, repeat: int, warmup: int, print_table) -> None:
    print()
    print(
        f"Content search as a rep over {result.assets:,} assets ({result.live:,} live), a page of 20 best first; "
        f"median of {repeat} after {warmup} warm-up"
    )
    limit, goal = GOAL
    rows = []
    for searched in result.searches:
        ms = searched.median_ms
        ratio = ms["search"] / ms["sql"]
        rows.append(
            (
                f"asset_search({searched.query!r}), {searched.matches:,} matches, vs its SQL alone",
                f"{ms['search']:.2f}",
                f"{ms['sql']:.2f}",
                f"{ratio:.2f}×",
                goal,
                "PASS" if ratio <= limit else "MISS",
                f"{searched.queries} / 1",
            )
        )
    pages = result.page_queries
    for label in ("browse", "search"):
        rows.append(
            (
                f"library page, {'browsing' if label == 'browse' else 'searching'}: 100 vs 10 rows",
                "",
                "",
                "",
                "same query count",
                "PASS" if pages[f"{label} 100"] == pages[f"{label} 10"] else "MISS",
                f"{pages[f'{label} 100']} / {pages[f'{label} 10']}",
            )
        )
    print_table(("figure", "ours ms", "baseline ms", "ratio", "goal", "", "queries ours / baseline"), rows)
    print()
    print("SQL alone: the ranked SELECT that asset_search returns (LIMIT 20), sent through a cursor and fetched. Ours")
    print("adds the query that checks whether anything matches (to choose the typo fallback) and building the models.")
    print("Ranking reads every match's vector (ts_rank): the broad query's time is that of its 20,000 matches.")
    print("The library page: assets with current version and owner in one query, their tags in a second (a search")
    print("adds the does-anything-match query).")
    for searched in result.searches:
        verdict = "PASS" if searched.uses_index else "MISS"
        print(f"EXPLAIN (ANALYZE, BUFFERS) of {searched.query!r}, {verdict}: it reads the GIN index {INDEX}")
        for line in searched.plan:
            if not line.startswith(" ") or any(k in line for k in ("Index", "Execution Time", "Sort", "Heap", "Limit")):
                print(f"  {line.strip()}")
