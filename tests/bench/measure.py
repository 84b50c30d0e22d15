"""Times the lead list and its baselines on the same pages, and checks that they really serve the same rows."""

import json
import random
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.pagination import Cursor
from rest_framework.renderers import JSONRenderer

from apps.core import selectors
from apps.core.api.pagination import NewestFirstCursorPagination
from apps.core.api.serializers import LeadSerializer
from apps.core.models import Lead, User
from apps.core.sessions import mark_renewed
from tests.bench import urls
from tests.bench.baselines import PAGE_SIZE


class BenchError(Exception):
    """The bench could not measure what it claims to measure (an error answer, different rows)."""


@dataclass(frozen=True)
class Page:
    """One page of the lead list, as each endpoint is asked for it."""

    label: str
    ours: str
    floor: str
    default: str

    def by_endpoint(self) -> dict[str, str]:
        return {"ours": self.ours, "floor": self.floor, "default": self.default}


@dataclass(frozen=True)
class Result:
    page: Page
    median_ms: dict[str, float]
    queries: dict[str, int]


def first_and_deep_page(total_leads: int) -> list[Page]:
    """Page 1, and the page that starts at the middle of the list (the 500,001st newest of a million)."""
    depth = total_leads // 2 // PAGE_SIZE * PAGE_SIZE
    # The last row of the page before: the keyset endpoints continue below it, page numbers count to it.
    before = Lead.objects.order_by("-id").values_list("id", flat=True)[depth - 1]
    return [
        Page("first page", urls.OURS_URL, urls.FLOOR_URL, urls.DEFAULT_URL),
        Page(
            f"deep page (newest {depth + 1:,}–{depth + PAGE_SIZE:,})",
            _our_cursor_url(before),
            f"{urls.FLOOR_URL}?before={before}",
            f"{urls.DEFAULT_URL}?page={depth // PAGE_SIZE + 1}",
        ),
    ]


def _our_cursor_url(before: int) -> str:
    """The URL our paginator itself would put in `next` after the row `before`."""
    paginator = NewestFirstCursorPagination()
    paginator.base_url = f"http://testserver{urls.OURS_URL}"
    url = urlsplit(paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(before))))
    return f"{url.path}?{url.query}"


def signed_in_client(user: User) -> Client:
    """A client signed in as `user`, its session written as a sign-in through the portal writes it (just renewed),
    so that the requests timed and counted are not the one that writes it again."""
    client = Client()
    client.force_login(user)
    session = client.session
    mark_renewed(session)
    session.save()
    return client


def measure(page: Page, client: Client, user: User, *, warmup: int, repeat: int) -> Result:
    queries = _check_same_rows(page, client, user)
    return Result(
        page=page, median_ms=_median_ms(page.by_endpoint(), client, warmup=warmup, repeat=repeat), queries=queries
    )


def _check_same_rows(page: Page, client: Client, user: User) -> dict[str, int]:
    """Ask each endpoint once, counting its queries; refuse to compare endpoints that serve different leads."""
    ids, queries = {}, {}
    for name, url in page.by_endpoint().items():
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, url)
        queries[name] = len(captured)
        rows = response.json()["results"]
        ids[name] = [row["id"] for row in rows]
        if name == "ours":
            _check_shape(rows, user)
    if len(ids["ours"]) != PAGE_SIZE or any(other != ids["ours"] for other in ids.values()):
        raise BenchError(f"{page.label}: the endpoints serve different leads: {ids}")
    return queries


def _check_shape(rows: list[dict], user: User) -> None:
    """Our serializers write their dicts by hand for speed: they must write what DRF's own field loop would."""
    leads = selectors.lead_list(user=user).filter(id__in=[row["id"] for row in rows]).order_by("-id")
    serializer = LeadSerializer()
    expected = json.loads(JSONRenderer().render([_drf_representation(serializer, lead) for lead in leads]))
    if rows != expected:
        raise BenchError(f"The lead list's JSON differs from DRF's representation:\n{rows[0]}\n{expected[0]}")


def _drf_representation(serializer: serializers.Serializer, instance) -> dict:
    """DRF's Serializer.to_representation, field by field, recursing without the hand-written fast paths."""
    data = {}
    for field in serializer.fields.values():
        if field.write_only:
            continue
        value = field.get_attribute(instance)
        if value is None:
            data[field.field_name] = None
        elif isinstance(field, serializers.Serializer):
            data[field.field_name] = _drf_representation(field, value)
        else:
            data[field.field_name] = field.to_representation(value)
    return data


def _median_ms(urls_by_name: dict[str, str], client: Client, *, warmup: int, repeat: int) -> dict[str, float]:
    """Median wall time of each URL.

    The endpoints take turns, so a drift of the machine hits them alike, in a shuffled order, so none always
    runs right after the slow default viewset has flushed the CPU caches.
    """
    for _ in range(warmup):
        for url in urls_by_name.values():
            _get(client, url)
    samples: dict[str, list[float]] = {name: [] for name in urls_by_name}
    order, rng = list(urls_by_name), random.Random(0)
    for _ in range(repeat):
        rng.shuffle(order)
        for name in order:
            started = time.perf_counter()
            _get(client, urls_by_name[name])
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response
