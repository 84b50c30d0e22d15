"""The budget page stays the same size at any volume: a page of campaigns, the worst off track, bounded charts,
a fixed number of queries; sorting and paging work, and the streamed CSV has every campaign."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.charts import MAX_BARS, top_and_others
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import Campaign
from apps.marketing_ops.budgets.selectors import (
    OFF_TRACK_SHOWN,
    PAGE_SIZE,
    SORTS,
    budget_report,
    campaign_lines,
    money_text,
    percent_text,
    spend_totals,
)
from tests.marketing_ops.budgets.conftest import D, post

URL = "/marketing/budget/?quarter=2026-Q2"


@pytest.fixture(autouse=True)
def today_in_april():
    with time_machine.travel(dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def _quarter(count: int, owner) -> list:
    """`count` campaigns planned 100 + i; one in ten spent 95 % of its plan (at risk), one in thirty 120 % (over)."""
    envelope = EnvelopeFactory(amount=D(10**9))
    campaigns = CampaignFactory.create_batch(count, envelope=envelope, owner=owner, planned_amount=D(100))
    for i, campaign in enumerate(campaigns):
        campaign.planned_amount = D(100 + i)
        campaign.name = f"Campaign {i:04d}"
        campaign.save(update_fields=["planned_amount", "name"])
        if i % 30 == 0:
            post(campaign, str(campaign.planned_amount * Decimal("1.2")))
        elif i % 10 == 0:
            post(campaign, str(campaign.planned_amount * Decimal("0.95")))
    return campaigns


def _page(client, url=URL):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr id="campaign-(\d+)"', html)
    return html, rows, len(queries)


def test_the_page_does_not_grow_with_the_number_of_campaigns(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(60, marketing_ops)
    small_html, small_rows, small_queries = _page(client)
    _quarter(540, marketing_ops)  # 600 in all
    big_html, big_rows, big_queries = _page(client)
    assert len(small_rows) == len(big_rows) == PAGE_SIZE
    assert big_queries == small_queries
    assert len(big_html) < len(small_html) * 1.2
    assert big_html.count('<g class="row') <= MAX_BARS + 9  # the campaign chart's bars, and one per channel
    assert big_html.count("<tr>") - small_html.count("<tr>") < 5  # off-track and channel tables: bounded too


def test_the_off_track_list_shows_the_worst_and_links_to_all(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(300, marketing_ops)  # 10 over (120 %), 20 at risk (95 %)
    response = client.get(URL)
    report = response.context["report"]
    assert report.off_track_count == 30
    assert len(report.off_track) == OFF_TRACK_SHOWN
    assert {line.figures.status for line in report.off_track} == {"over"}
    html = response.content.decode()
    link = re.search(r'<a href="([^"]+)" id="all-off-track">See all 30', html)
    assert link, "no 'see all' link"
    everyone = client.get("/marketing/budget/" + link.group(1).replace("&amp;", "&").split("#")[0])
    page = everyone.context["report"].page
    assert page.count == 30
    statuses = [line.figures.status for line in page.lines]
    assert statuses == ["over"] * 10 + ["at_risk"] * 20


def test_the_off_track_list_has_no_link_when_it_shows_them_all(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(30, marketing_ops)  # 1 over, 2 at risk
    html = client.get(URL).content.decode()
    assert "3 of 30 campaigns are off track." in html
    assert 'id="all-off-track"' not in html


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("planned", "Campaign 0000", "Campaign 0049"),
        ("-planned", "Campaign 0119", "Campaign 0070"),
        ("name", "Campaign 0000", "Campaign 0049"),
        ("-name", "Campaign 0119", "Campaign 0070"),
    ],
)
def test_the_campaign_table_sorts_by_the_column_asked_for(client, marketing_ops, sort, first, last):
    client.force_login(marketing_ops)
    _quarter(120, marketing_ops)
    lines = client.get(f"{URL}&sort={sort}").context["report"].page.lines
    assert (lines[0].campaign.name, lines[-1].campaign.name) == (first, last)


def test_the_used_sort_puts_the_fullest_last_ascending(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(60, marketing_ops)
    lines = client.get(f"{URL}&sort=-used").context["report"].page.lines
    used = [line.figures.used_percent for line in lines]
    assert used == sorted(used, reverse=True) and used[0] == D(120)


def test_pages_cover_every_campaign_once(client, marketing_ops):
    client.force_login(marketing_ops)
    campaigns = _quarter(120, marketing_ops)
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"{URL}&sort=name&page={number}").context["report"].page
        assert page.pages == 3
        seen += [line.campaign.pk for line in page.lines]
    assert sorted(seen) == sorted(c.pk for c in campaigns)
    assert len(seen) == 120


def test_every_page_in_every_order_is_the_slice_a_full_sort_gives(marketing_ops):
    _quarter(120, marketing_ops)
    lines = campaign_lines("2026-Q2", dt.date(2026, 4, 10))
    for sort in SORTS:
        for descending in (False, True):
            ordered = [line.campaign.pk for line in sorted(lines, key=SORTS[sort], reverse=descending)]
            for number in (1, 2, 3):
                report = budget_report(
                    quarter="2026-Q2", today=dt.date(2026, 4, 10), sort=f"{'-' * descending}{sort}", page=number
                )
                shown = [line.campaign.pk for line in report.page.lines]
                assert shown == ordered[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], (sort, descending, number)


@pytest.mark.parametrize(("asked", "shown"), [("0", 1), ("99", 3), ("x", 1)])
def test_a_page_out_of_range_shows_the_nearest(client, marketing_ops, asked, shown):
    client.force_login(marketing_ops)
    _quarter(120, marketing_ops)
    assert client.get(f"{URL}&page={asked}").context["report"].page.number == shown


def test_an_unknown_sort_falls_back_to_the_channel_order(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(10, marketing_ops)
    assert client.get(f"{URL}&sort=password").context["report"].page.sort == "channel"


def test_the_heading_links_sort_and_flip(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(10, marketing_ops)
    html = client.get(f"{URL}&sort=planned").content.decode()
    assert 'aria-sort="ascending"><a href="?quarter=2026-Q2&amp;show=all&amp;sort=-planned#by-campaign">Planned' in html
    assert 'href="?quarter=2026-Q2&amp;show=all&amp;sort=actual#by-campaign">Actual' in html


def test_the_csv_streams_every_campaign(client, marketing_ops):
    client.force_login(marketing_ops)
    campaigns = _quarter(130, marketing_ops)
    response = client.get("/marketing/budget/export.csv?quarter=2026-Q2")
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(int(row["campaign_id"]) for row in rows) == sorted(c.pk for c in campaigns)
    over = next(row for row in rows if row["campaign"] == "Campaign 0030")
    assert (over["planned"], over["actual"], over["budget_status"], over["owner"]) == (
        "130.00", "156.00", "over", str(marketing_ops),
    )  # fmt: skip


def test_the_campaign_chart_draws_the_largest_and_the_others(client, marketing_ops):
    client.force_login(marketing_ops)
    _quarter(100, marketing_ops)
    chart = client.get(URL).context["campaign_chart"]
    labels = [bar["label"] for bar in chart["bars"]]
    assert len(labels) == MAX_BARS
    assert labels[0] == "Campaign 0099"
    assert labels[-1] == "76 other campaigns"


def test_the_others_bar_sums_the_campaigns_past_the_top(client, marketing_ops):
    client.force_login(marketing_ops)
    campaigns = _quarter(100, marketing_ops)  # the top 24 are Campaign 0076 … 0099
    rest = [campaign.pk for campaign in campaigns[:76]]
    actual = sum((totals[1] for pk, totals in spend_totals(Campaign.objects.filter(pk__in=rest)).items()), D(0))
    others = client.get(URL).context["campaign_chart"]["bars"][-1]
    planned = sum(D(100 + i) for i in range(76))
    assert others["title"].startswith(f"76 other campaigns: plan {money_text(planned)}, actual {money_text(actual)}")
    assert actual > 0


def test_top_and_others_keeps_a_short_list_as_it_is():
    assert top_and_others([3, 1, 2], limit=5, key=lambda x: x, others=sum) == [3, 1, 2]
    assert top_and_others([3, 1, 2, 5, 4], limit=3, key=lambda x: x, others=sum) == [5, 4, 6]


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("1234.565"), "1,234.57"), (D("-2.345"), "-2.35"), (D(0), "0.00"), (None, "—")],
)
def test_money_text_rounds_half_away_from_zero_and_groups(value, text):
    assert money_text(value) == text


def test_percent_text_rounds_to_a_tenth():
    assert (percent_text(D("94.95")), percent_text(None)) == ("95.0 %", "—")


def _spending(count: int, owner, lines: int) -> None:
    """`count` campaigns with `lines` invoices each."""
    envelope = EnvelopeFactory(amount=D(10**9))
    for campaign in CampaignFactory.create_batch(count, envelope=envelope, owner=owner, planned_amount=D(1000)):
        for _ in range(lines):
            post(campaign, "1.00")


def test_the_page_reads_the_stored_totals_in_the_same_queries_at_10_and_100_campaigns(client, marketing_ops):
    client.force_login(marketing_ops)
    _spending(10, marketing_ops, lines=1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _spending(90, marketing_ops, lines=3)
    with CaptureQueriesContext(connection) as big:
        assert client.get(URL).status_code == 200
    assert len(big) == len(small)
    assert not [query["sql"] for query in big if "marketing_ops_spendentry" in query["sql"]]  # the ledger is not read
