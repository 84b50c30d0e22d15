"""The deal desk reports: turnaround, discounts by rep, segment and quarter, and their CSV exports."""

import csv
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from apps.core.charts import bar_chart
from apps.core.stats import hours_minutes
from apps.sales_ops.deal_desk import selectors
from apps.sales_ops.deal_desk.forms import (
    DealReportFilterForm,
)
from apps.sales_ops.deal_desk.views.common import _render

EXPORTS = ("turnaround", "by_rep", "by_segment", "by_quarter")


@login_required
def deal_reports(request):
    """Turnaround per step, approval rate and average discounts, as charts and tables, each downloadable as CSV."""
    if not request.user.has_perm("sales_ops.may_view_deal_report"):
        raise PermissionDenied("The deal desk reports are for sales ops and managers.")
    form = DealReportFilterForm(request.GET or None)
    bounds = form.cleaned_data if form.is_bound and form.is_valid() else {}
    since, until = bounds.get("since"), bounds.get("until")
    report = selectors.deal_desk_report(user=request.user, since=since, until=until)
    export = request.GET.get("export")
    if export in EXPORTS:
        return _report_csv(report, export, since, until)
    discount_tables = [
        ("by_rep", "Average discount by rep", "Rep", report.by_rep),
        ("by_segment", "Average discount by segment", "Segment", report.by_segment),
        ("by_quarter", "Average discount by quarter", "Quarter", report.by_quarter),
    ]
    # Scaled to the slowest p90, and to at least an hour so that minutes do not draw as full bars.
    slowest = max((t.p90 for t in report.turnaround if t.p90 is not None), default=dt.timedelta(0))
    slowest = max(slowest, dt.timedelta(hours=1))
    return _render(
        request,
        "sales_ops/deals/reports.html",
        {
            "form": form if form.is_bound else DealReportFilterForm(),
            "report": report,
            "turnaround_rows": [(t, _took(t.median), _took(t.p90)) for t in report.turnaround],
            "query": request.GET.urlencode(),
            "turnaround_chart": bar_chart(
                [(t.name, t.median.total_seconds(), _took(t.median)) for t in report.turnaround],
                slowest.total_seconds(),
            ),
            "discount_tables": [
                (key, title, first, lines, _discount_chart(lines)) for key, title, first, lines in discount_tables
            ],
        },
        status=400 if form.errors else 200,
    )


def _took(delta: dt.timedelta) -> str:
    """A turnaround as people read it: a decision made at once is "under 1 min", not a "0 h 00 min" that reads as
    no data."""
    return "under 1 min" if delta < dt.timedelta(minutes=1) else hours_minutes(delta)


def _discount_chart(lines) -> dict:
    top = max((float(line.average) for line in lines), default=0)
    return bar_chart([(line.label, float(line.average), f"{line.average} %") for line in lines], top)


def _hours(delta: dt.timedelta | None) -> str:
    return "" if delta is None else f"{delta.total_seconds() / 3600:.2f}"


def _report_csv(report: selectors.DealDeskReport, export: str, since, until) -> HttpResponse:
    period = f"{since or 'start'}_{until or 'today'}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deal-desk-{export.replace("_", "-")}-{period}.csv"'
    writer = csv.writer(response)
    if export == "turnaround":
        writer.writerow(["step", "decided", "median_hours", "p90_hours"])
        for line in report.turnaround:
            writer.writerow([line.name, line.count, _hours(line.median), _hours(line.p90)])
    else:
        first = export.removeprefix("by_")
        writer.writerow([first, "requests", "average_discount_percent"])
        for line in getattr(report, export):
            writer.writerow([line.label, line.requests, line.average])
    return response
