"""The budget page's read path: the quarter's totals, its channels, who is off track, and one page of campaigns.

The page stays the same size at any volume: only a page of campaigns, the top of the off-track list and the
campaign chart's largest plans are shown, and only those get their owner read. On PostgreSQL the database sums
the quarter and orders it (`rollup_sql`), returning just those rows, which the shared cache keeps until a row
they came from changes; elsewhere every campaign of the quarter is read once as a plain row (no model instances)
with its stored spend totals joined (the ledger is never summed here). The queries are as many whatever the
number of campaigns and spend lines.
"""

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from apps.core.caching import cached, digest
from apps.core.charts import MAX_BARS
from apps.core.quarters import quarter_bounds
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignStatus, Channel
from apps.marketing_ops.budgets.selectors import rollup_sql
from apps.marketing_ops.budgets.selectors.figures import (
    FINISHED_STATUSES,
    ZERO,
    BudgetFigures,
    BudgetStatus,
    _figures,
    figure_rows,
    money_text,
    percent_text,
)

PAGE_SIZE = 50
OFF_TRACK_SHOWN = 10

_ROW_FIELDS = ("name", "channel")  # beside what the figures need
_CHANNEL_LABELS = dict(Channel.choices)
_CAMPAIGN_STATUS_LABELS = dict(CampaignStatus.choices)
_SEVERITY = {BudgetStatus.OVER: 0, BudgetStatus.AT_RISK: 1, BudgetStatus.ON_TRACK: 2}
# "No plan" spends without one: it sorts as the fullest of all.
_NO_PLAN_USED = Decimal(rollup_sql.NO_PLAN_USED)
# The roll-up's code, named: a roll-up cached by other code (before a deploy) is not read after it.
_ROLLUP_CODE = digest(Path(rollup_sql.__file__).read_text(), *sorted(FINISHED_STATUSES))


@dataclass
class ChannelLine:
    """A channel's campaigns in one quarter, summed; `envelope` is what the channel's envelopes hold."""

    channel: str
    label: str
    envelope: Decimal = ZERO
    planned: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    projected: Decimal = ZERO
    campaigns: int = 0
    off_track: int = 0

    def add(self, figures: BudgetFigures) -> None:
        self.planned += figures.planned
        self.committed += figures.committed
        self.actual += figures.actual
        self.projected += figures.projected
        self.campaigns += 1
        self.off_track += figures.status != BudgetStatus.ON_TRACK

    def add_channel(self, other: "ChannelLine") -> None:
        for name in ("envelope", "planned", "committed", "actual", "projected", "campaigns", "off_track"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class CampaignRow:
    """What the page shows of a campaign itself; `owner` is filled in only for the campaigns shown."""

    pk: int
    name: str
    channel: str
    status: str
    start_date: dt.date
    end_date: dt.date
    owner: str = ""

    def get_channel_display(self) -> str:
        return _CHANNEL_LABELS.get(self.channel, self.channel)

    def get_status_display(self) -> str:
        return _CAMPAIGN_STATUS_LABELS.get(self.status, self.status)


@dataclass
class CampaignLine:
    campaign: CampaignRow
    figures: BudgetFigures

    @cached_property
    def cells(self) -> dict[str, str]:
        """The figures as the page writes them, each formatted once (only for the lines shown)."""
        f = self.figures
        return {
            "pk": str(self.campaign.pk),
            "planned": money_text(f.planned),
            "committed": money_text(f.committed),
            "actual": money_text(f.actual),
            "available": money_text(f.available),
            "used": percent_text(f.used_percent),
            "burn_rate": money_text(f.burn_rate),
            "projected": money_text(f.projected),
            "reasons": "; ".join(f.off_track_reasons),
        }


def _used(line: CampaignLine) -> Decimal:
    used = line.figures.used_percent
    return _NO_PLAN_USED if used is None else used


# The campaign table's orders: each a key over a line; "-name" is the same key, descending. Ties go by id.
SORTS: dict[str, Callable[[CampaignLine], tuple]] = {
    "name": lambda line: (line.campaign.name.casefold(), line.campaign.pk),
    "channel": lambda line: (line.campaign.channel, line.campaign.name.casefold(), line.campaign.pk),
    "planned": lambda line: (line.figures.planned, line.campaign.pk),
    "committed": lambda line: (line.figures.committed, line.campaign.pk),
    "actual": lambda line: (line.figures.actual, line.campaign.pk),
    "available": lambda line: (line.figures.available, line.campaign.pk),
    "used": lambda line: (_used(line), line.campaign.pk),
    "projected": lambda line: (line.figures.projected, line.campaign.pk),
    # worst first: over, then at risk, each fullest first
    "status": lambda line: (_SEVERITY[line.figures.status], -_used(line), line.campaign.pk),
    "ends": lambda line: (line.campaign.end_date, line.campaign.pk),
}
DEFAULT_SORT = "channel"
SHOWS = ("all", "off_track")


def sort_key(sort: str) -> tuple[Callable[[CampaignLine], tuple], bool]:
    """The key and direction of `sort` ('planned', '-planned'); an unknown sort is the default."""
    descending = sort.startswith("-")
    key = SORTS.get(sort.removeprefix("-"))
    return (key, descending) if key else (SORTS[DEFAULT_SORT], False)


@dataclass
class CampaignPage:
    """One page of the campaign table, in the order asked for."""

    lines: list[CampaignLine]
    number: int
    pages: int
    count: int
    sort: str
    show: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass
class BudgetReport:
    quarter: str
    today: dt.date
    channels: list[ChannelLine]
    totals: ChannelLine
    off_track: list[CampaignLine]  # the worst OFF_TRACK_SHOWN
    off_track_count: int
    page: CampaignPage
    campaigns: int = 0
    # The campaign chart's: every campaign when there are at most MAX_BARS, else the MAX_BARS - 1 largest plans.
    largest: list[CampaignLine] = field(default_factory=list)


def _line(row, today: dt.date) -> CampaignLine:
    """A campaign's line from its `figure_rows` (or `rollup_sql.Row`) row; its owner is filled in if shown."""
    campaign = CampaignRow(row.id, row.name, row.channel, row.status, row.start_date, row.end_date)
    return CampaignLine(campaign, _figures(row, today))


def campaign_lines(quarter: str, today: dt.date) -> list[CampaignLine]:
    """Every campaign of the quarter with its figures: one query, rows not instances, owners unread."""
    rows = figure_rows(Campaign.objects.filter(fiscal_quarter=quarter), *_ROW_FIELDS).order_by()
    return [_line(row, today) for row in rows]


def _largest_key(line: CampaignLine) -> tuple:
    """The campaign chart's order: the largest plans, then the most spoken for, then the first made."""
    return line.figures.planned, line.figures.spoken_for, -line.campaign.pk


@dataclass
class _Asked:
    """What the report shows of the quarter's campaigns: the page (sort, only off track, offset) and how many
    of the worst off track and of the largest plans."""

    sort: str
    off_track: bool
    offset: int
    worst: int = OFF_TRACK_SHOWN
    largest: int = MAX_BARS


def _envelopes(quarter: str) -> dict[str, Decimal]:
    rows = BudgetEnvelope.objects.filter(quarter=quarter).values("channel").annotate(total=Sum("amount")).order_by()
    return {row["channel"]: row["total"] for row in rows}


def _channels() -> dict[str, ChannelLine]:
    return {value: ChannelLine(value, label) for value, label in Channel.choices}


Lines = list[CampaignLine]


class _InPython:
    """Every campaign of the quarter read once and rolled up here: the way on SQLite, whose SQL sums decimals as
    floating point. A heap puts only as many lines in order as are asked for, as sorting all would order them."""

    def __init__(self, quarter: str, today: dt.date):
        self.quarter = quarter
        self.lines = campaign_lines(quarter, today)
        self.off_track = [line for line in self.lines if line.figures.status != BudgetStatus.ON_TRACK]

    def read(self, asked: _Asked) -> tuple[dict[str, ChannelLine], Lines, Lines, Lines]:
        """The channels summed, the worst off track, the page's lines and the largest plans."""
        channels = _channels()
        for channel, amount in _envelopes(self.quarter).items():
            channels[channel].envelope = amount
        for line in self.lines:
            channels[line.campaign.channel].add(line.figures)
        key, descending = sort_key(asked.sort)
        listed = self.off_track if asked.off_track else self.lines
        first = (heapq.nlargest if descending else heapq.nsmallest)(asked.offset + PAGE_SIZE, listed, key=key)
        return (
            channels,
            heapq.nsmallest(asked.worst, self.off_track, key=SORTS["status"]),
            first[asked.offset :],
            heapq.nlargest(asked.largest, self.lines, key=_largest_key),
        )


class _InPostgres:
    """The quarter rolled up by PostgreSQL (`rollup_sql`): the channels' sums, then only the lines shown.

    The two are kept in the shared cache under the quarter's data version (`rollup_sql.data_version`, one
    query), today's date, the lines asked for and the roll-up's code: any write to a row the roll-up reads, by
    any path, changes the version, so a cached roll-up is never out of date, and a page viewed again (or by
    someone else) before anything changed reads the version and the cache alone. Owners are not cached: they
    are read for the lines shown, each time.
    """

    def __init__(self, quarter: str, today: dt.date):
        self.quarter, self.today = quarter, today
        self.version = rollup_sql.data_version(quarter)

    def read(self, asked: _Asked) -> tuple[dict[str, ChannelLine], Lines, Lines, Lines]:
        """The channels summed, the worst off track, the page's lines and the largest plans."""
        order = rollup_sql.ORDERS[asked.sort.removeprefix("-")]
        parts = [
            (rollup_sql.ORDERS["status"], False, True, 0, asked.worst),
            (order, asked.sort.startswith("-"), asked.off_track, asked.offset, PAGE_SIZE),
            (rollup_sql.LARGEST, False, False, 0, asked.largest),
        ]
        key = f"budgets:rollup:{_ROLLUP_CODE}:{self.quarter}:{self.today}:{self.version}:{digest(repr(parts))}"
        sums, rows = cached(
            key,
            lambda: (
                rollup_sql.channel_sums(self.quarter, self.today),
                rollup_sql.ordered_rows(self.quarter, self.today, parts),
            ),
            timeout=settings.BUDGET_ROLLUP_CACHE_SECONDS,
        )
        channels = _channels()
        for channel, envelope, campaigns, off_track, *amounts in sums:
            line = channels[channel]
            line.envelope, line.campaigns, line.off_track = envelope, campaigns, off_track
            line.planned, line.committed, line.actual, line.projected = amounts
        worst, shown, largest = ([_line(row, self.today) for row in part] for part in rows)
        return channels, worst, shown, largest


def _fill_owners(lines: list[CampaignLine]) -> None:
    """Read the owners of the lines shown, in one query."""
    if not lines:
        return
    owners = {
        row["id"]: (
            " ".join(filter(None, [row["owner__first_name"], row["owner__last_name"]])) or row["owner__username"]
        )
        for row in Campaign.objects.filter(pk__in=[line.campaign.pk for line in lines]).values(
            "id", "owner__username", "owner__first_name", "owner__last_name"
        )
    }
    for line in lines:
        line.campaign.owner = owners.get(line.campaign.pk, "")


def budget_report(
    *, quarter: str, today: dt.date, sort: str = DEFAULT_SORT, show: str = "all", page: int = 1
) -> BudgetReport:
    """The quarter's totals and channels, the worst of who is off track, and page `page` of the campaigns.

    On PostgreSQL the database rolls the quarter up and returns only the campaigns shown (kept in the cache until
    a row it read changes); elsewhere every campaign is read once and rolled up in Python. Either way the queries
    are as many whatever the number of campaigns.
    `show="off_track"` lists only the campaigns off track; `page` outside the pages is the nearest page.
    """
    quarter_bounds(quarter)  # refuses a malformed quarter
    sort = sort if sort.removeprefix("-") in SORTS else DEFAULT_SORT
    show = show if show in SHOWS else "all"
    rollup = (_InPostgres if connection.vendor == "postgresql" else _InPython)(quarter, today)
    asked = _Asked(sort, off_track=show == "off_track", offset=(max(page, 1) - 1) * PAGE_SIZE)
    channels, worst, shown, largest = rollup.read(asked)
    totals = ChannelLine("", "All channels")
    for channel in channels.values():
        totals.add_channel(channel)

    listed = totals.off_track if show == "off_track" else totals.campaigns
    pages = max(1, -(-listed // PAGE_SIZE))
    number = min(max(page, 1), pages)
    if (number - 1) * PAGE_SIZE != asked.offset:  # past the last page (an old link): the last page
        asked.offset = (number - 1) * PAGE_SIZE
        shown = rollup.read(asked)[2]
    if totals.campaigns > MAX_BARS:
        largest = largest[: MAX_BARS - 1]  # and one bar for the others
    on_page = {line.campaign.pk for line in shown}
    _fill_owners([*shown, *(line for line in worst if line.campaign.pk not in on_page)])
    return BudgetReport(
        quarter=quarter,
        today=today,
        channels=[channel for channel in channels.values() if channel.campaigns or channel.envelope],
        totals=totals,
        off_track=worst,
        off_track_count=totals.off_track,
        page=CampaignPage(lines=shown, number=number, pages=pages, count=listed, sort=sort, show=show),
        campaigns=totals.campaigns,
        largest=largest,
    )


@dataclass(frozen=True)
class ExportRow:
    """A campaign as the CSV writes it: its `figure_rows` row (with its owner's names) and its figures."""

    campaign: tuple
    figures: BudgetFigures


def budget_export_rows(*, quarter: str, today: dt.date, chunk_size: int = 2000) -> Iterator[ExportRow]:
    """Every campaign of the quarter with its figures and owner, read in chunks (one query, streamed)."""
    quarter_bounds(quarter)
    campaigns = Campaign.objects.filter(fiscal_quarter=quarter)
    rows = (
        figure_rows(campaigns, *_ROW_FIELDS, "owner__username", "owner__first_name", "owner__last_name")
        .order_by("channel", "name", "id")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        yield ExportRow(row, _figures(row, today))
