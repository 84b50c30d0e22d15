"""Portal pages of marketing ops: the quarter's budget (charts, who is off track, CSV) and what campaigns bought."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.quarters import quarter_of, recent_quarters
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.forms import QuarterForm


def _marketing_only(user) -> None:
    if not user.has_perm("marketing_ops.may_manage_budgets"):
        raise PermissionDenied("Campaign budgets are for marketing ops.")


def _quarter(request) -> tuple[str, QuarterForm]:
    """The quarter asked for (any well-formed one), else this quarter."""
    today = timezone.localdate()
    form = QuarterForm(request.GET or None, quarters=recent_quarters(today))
    quarter = form.cleaned_data["quarter"] if form.is_valid() else quarter_of(today)
    return quarter, QuarterForm(initial={"quarter": quarter}, quarters=sorted({*recent_quarters(today), quarter}))


@login_required
def budget_page(request):
    """Plan vs committed vs actual vs projected per channel and per campaign, and who is off track."""
    _marketing_only(request.user)
    quarter, form = _quarter(request)
    report = selectors.budget_report(quarter=quarter, today=timezone.localdate())
    channel_rows = [
        (line.label, line.planned, line.committed, line.actual, line.projected, "") for line in report.channels
    ]
    campaign_rows = [
        (line.campaign.name, f.planned, f.committed, f.actual, f.projected, f.status)
        for line in report.lines
        for f in [line.figures]
    ]
    return render(
        request,
        "marketing_ops/budget.html",
        {
            "report": report,
            "form": form,
            "quarter": quarter,
            "currency": settings.COMPANY_CURRENCY,
            "channel_chart": budget_chart(channel_rows),
            "campaign_chart": budget_chart(campaign_rows),
        },
    )


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


@login_required
def budget_csv(request):
    """The budget page's campaigns as CSV, rounded as the page shows them."""
    _marketing_only(request.user)
    quarter, _form = _quarter(request)
    report = selectors.budget_report(quarter=quarter, today=timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{quarter}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        campaign, shown = line.campaign, line.figures.shown()
        writer.writerow(
            [
                campaign.pk,
                campaign.name,
                campaign.get_channel_display(),
                str(campaign.owner),
                campaign.status,
                campaign.start_date,
                campaign.end_date,
                *(shown[name] or "" for name in CSV_COLUMNS[7:14]),
                shown["status"],
                shown["currency"],
            ]
        )
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
        used = selectors.percent((committed + actual) * 100 / planned) if planned else None
        bars.append(
            {
                "label": label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…",
                "title": (
                    f"{label}: plan {selectors.money(planned)}, actual {selectors.money(actual)}, committed "
                    f"{selectors.money(committed)}, projected {selectors.money(projected)}"
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
                "text": f"{used} % used" if used is not None else "no plan",
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
