"""Portal pages of marketing ops: the quarter's budget (charts, who is off track, CSV) and what campaigns bought."""

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.charts import MAX_BARS
from apps.core.quarters import quarter_of, recent_quarters
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.forms import QuarterForm
from apps.marketing_ops.budgets.models import Channel


def _marketing_only(user) -> None:
    if not user.has_perm("marketing_ops.may_manage_budgets"):
        raise PermissionDenied("Campaign budgets are for marketing ops.")


def _quarter(request) -> tuple[str, QuarterForm]:
    """The quarter asked for (any well-formed one), else this quarter."""
    today = timezone.localdate()
    form = QuarterForm(request.GET or None, quarters=recent_quarters(today))
    quarter = form.cleaned_data["quarter"] if form.is_valid() else quarter_of(today)
    return quarter, QuarterForm(initial={"quarter": quarter}, quarters=sorted({*recent_quarters(today), quarter}))


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", 1))
    except ValueError:
        return 1


@login_required
def budget_page(request):
    """Plan vs committed vs actual vs projected per channel, who is off track, and a page of campaigns.

    The page is the same size at any volume: the worst OFF_TRACK_SHOWN off track (a link lists them all), the
    channel chart, a campaign chart of the largest plans plus "others", and PAGE_SIZE campaigns a page.
    """
    _marketing_only(request.user)
    quarter, form = _quarter(request)
    report = selectors.budget_report(
        quarter=quarter,
        today=timezone.localdate(),
        sort=request.GET.get("sort", selectors.DEFAULT_SORT),
        show=request.GET.get("show", "all"),
        page=_page_number(request),
    )
    channel_rows = [
        (line.label, line.planned, line.committed, line.actual, line.projected, "") for line in report.channels
    ]
    page = report.page
    return render(
        request,
        "marketing_ops/budget.html",
        {
            "report": report,
            "page": page,
            "form": form,
            "quarter": quarter,
            "currency": settings.COMPANY_CURRENCY,
            "totals": {
                name: selectors.money_text(getattr(report.totals, name))
                for name in ("envelope", "planned", "committed", "actual", "projected")
            },
            "channel_table": [
                (line.label, str(line.campaigns), *(selectors.money_text(v) for v in _channel_amounts(line)))
                for line in report.channels
            ],
            "columns": _columns(quarter, page),
            "page_links": _page_links(quarter, page),
            "all_off_track": "?" + urlencode({"quarter": quarter, "show": "off_track", "sort": "status"}),
            "channel_chart": budget_chart(channel_rows),
            "campaign_chart": budget_chart(_campaign_chart_rows(report)),
        },
    )


def _channel_amounts(line) -> tuple:
    return line.envelope, line.planned, line.committed, line.actual, line.projected


CHART_SUMS = ("planned", "committed", "actual", "projected")


def _campaign_chart_rows(report) -> list[tuple]:
    """The campaign chart: the largest plans (then the most spoken for) and the rest as one "others" bar.

    What `top_and_others` draws, found without reading the whole quarter: the report brings the largest, and the
    others' sums are the quarter's totals less theirs.
    """
    top = report.largest
    if report.campaigns <= MAX_BARS:
        return [_chart_row(line) for line in top]
    rest = [
        getattr(report.totals, name) - sum((getattr(line.figures, name) for line in top), selectors.ZERO)
        for name in CHART_SUMS
    ]
    return [*map(_chart_row, top), (f"{report.campaigns - len(top):,} other campaigns", *rest, "")]


def _chart_row(line) -> tuple:
    f = line.figures
    return (line.campaign.name, f.planned, f.committed, f.actual, f.projected, f.status)


# The campaign table's columns: (heading, sort key or None, numeric).
TABLE_COLUMNS = [
    ("Campaign", "name", False),
    ("Channel", "channel", False),
    ("Runs", "ends", False),
    ("Planned", "planned", True),
    ("Committed", "committed", True),
    ("Actual", "actual", True),
    ("Available", "available", True),
    ("Used", "used", True),
    ("Burn / day", None, True),
    ("Projected", "projected", True),
    ("Status", "status", False),
]


def _columns(quarter: str, page) -> list[dict]:
    """Each heading with the link that sorts by it (ascending first, then the other way), and its current order."""
    current, descending = page.sort.removeprefix("-"), page.sort.startswith("-")
    columns = []
    for heading, key, numeric in TABLE_COLUMNS:
        column = {"heading": heading, "numeric": numeric, "href": None, "order": ""}
        if key:
            flip = key == current and not descending
            query = {"quarter": quarter, "show": page.show, "sort": f"-{key}" if flip else key}
            column["href"] = "?" + urlencode(query) + "#by-campaign"
            if key == current:
                column["order"] = "descending" if descending else "ascending"
        columns.append(column)
    return columns


def _page_links(quarter: str, page) -> dict:
    def link(number: int) -> str:
        return (
            "?" + urlencode({"quarter": quarter, "show": page.show, "sort": page.sort, "page": number}) + "#by-campaign"
        )

    return {
        "first": link(1) if page.has_previous else None,
        "previous": link(page.number - 1) if page.has_previous else None,
        "next": link(page.number + 1) if page.has_next else None,
        "last": link(page.pages) if page.has_next else None,
    }


CSV_COLUMNS = [
    "campaign_id",
    "campaign",
    "channel",
    "owner",
    "status",
    "start_date",
    "end_date",
    "planned",
    "committed",
    "actual",
    "available",
    "used_percent",
    "burn_rate_per_day",
    "projected",
    "budget_status",
    "currency",
]


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer then yields lines, not buffers."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    labels = dict(Channel.choices)
    for row in rows:
        campaign, shown = row.campaign, row.figures.shown()
        owner = " ".join(filter(None, [campaign.owner__first_name, campaign.owner__last_name]))
        yield writer.writerow(
            [
                campaign.id,
                campaign.name,
                labels.get(campaign.channel, campaign.channel),
                owner or campaign.owner__username,
                campaign.status,
                campaign.start_date,
                campaign.end_date,
                *(shown[name] or "" for name in CSV_COLUMNS[7:14]),
                shown["status"],
                shown["currency"],
            ]
        )


@login_required
def budget_csv(request):
    """Every campaign of the quarter as CSV, rounded as the page shows them, streamed as it is read."""
    _marketing_only(request.user)
    quarter, _form = _quarter(request)
    rows = selectors.budget_export_rows(quarter=quarter, today=timezone.localdate())
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{quarter}.csv"'
    return response


@login_required
def roi_page(request):
    """What each campaign of the quarter bought, and its return: for marketing and sales alike."""
    quarter, form = _quarter(request)
    lines, unconverted = selectors.roi_report(quarter=quarter, today=timezone.localdate())
    return render(
        request,
        "marketing_ops/roi.html",
        {
            "lines": [(campaign, attribution, attribution.shown()) for campaign, attribution in lines],
            "form": form,
            "quarter": quarter,
            "currency": settings.COMPANY_CURRENCY,
            "missing_rates": [f"{currency} on {day:%Y-%m-%d}" for currency, day in sorted(unconverted)],
            "budgets": request.user.has_perm("marketing_ops.may_manage_budgets"),
        },
    )


# Geometry of the server-drawn budget charts (SVG user units): a row per channel or campaign, its plan as the
# track, actual then committed as the bar, and the projection as a tick.
CHART_LABEL_WIDTH, CHART_BAR_WIDTH, CHART_VALUE_WIDTH = 180, 420, 150
CHART_ROW_HEIGHT, CHART_TRACK_HEIGHT, CHART_BAR_HEIGHT = 30, 20, 10
CHART_LABEL_CHARS = 26


def budget_chart(rows) -> dict:
    """Positions for a chart of `(label, planned, committed, actual, projected, status)` rows, drawn as SVG."""
    scale_to = max((max(row[1], row[2] + row[3], row[4]) for row in rows), default=0) or 1

    def x(value) -> float:
        return round(CHART_BAR_WIDTH * float(min(max(value, 0) / scale_to, 1)), 1)

    bars = []
    for index, (label, planned, committed, actual, projected, status) in enumerate(rows):
        y = index * CHART_ROW_HEIGHT + 6
        used = selectors.percent_text((committed + actual) * 100 / planned) if planned else None
        bars.append(
            {
                "label": label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…",
                "title": (
                    f"{label}: plan {selectors.money_text(planned)}, actual {selectors.money_text(actual)}, committed "
                    f"{selectors.money_text(committed)}, projected {selectors.money_text(projected)}"
                ),
                "status": status,
                "y": y,
                "text_y": y + CHART_TRACK_HEIGHT * 0.72,
                "bar_y": y + (CHART_TRACK_HEIGHT - CHART_BAR_HEIGHT) / 2,
                "plan_width": x(planned),
                "actual_width": x(actual),
                "committed_x": CHART_LABEL_WIDTH + x(actual),
                "committed_width": round(x(committed + actual) - x(actual), 1),
                "projected_x": CHART_LABEL_WIDTH + x(projected),
                "value_x": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 8,
                "text": f"{used} used" if used is not None else "no plan",
            }
        )
    return {
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        "height": max(len(rows), 1) * CHART_ROW_HEIGHT + 10,
        "label_x": CHART_LABEL_WIDTH - 8,
        "bar_x": CHART_LABEL_WIDTH,
        "track_height": CHART_TRACK_HEIGHT,
        "bar_height": CHART_BAR_HEIGHT,
        "tick_top": 2,
        "tick_height": CHART_TRACK_HEIGHT + 4,
        "bars": bars,
    }
