"""Portal pages of coverage: each rep's, team's and territory's coverage with a chart and the quarter-start
snapshot beside the live figure (CSV too), and marketing's "pipeline to source"."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.charts import bar_chart
from apps.core.models import User
from apps.core.pipeline import Origin
from apps.core.quarters import quarter_of, recent_quarters
from apps.sales_ops.coverage import selectors
from apps.sales_ops.coverage.forms import CoverageFilterForm


def _report(request) -> tuple[selectors.CoverageReport, CoverageFilterForm]:
    if not request.user.has_perm("sales_ops.may_view_coverage"):
        raise PermissionDenied("Coverage is for reps, managers and ops.")
    today = timezone.localdate()
    quarters = recent_quarters(today)
    form = CoverageFilterForm(request.GET or None, quarters=quarters)
    params = form.cleaned_data if form.is_valid() else {}
    quarter = params.get("quarter") or quarter_of(today)
    team = params.get("team")
    if team is not None:
        manager = User.objects.filter(pk=team).first()
        if manager is None or not request.user.has_perm("sales_ops.may_view_rep_coverage", manager):
            raise Http404("No such team among those you may see.")
    report = selectors.coverage_report(
        user=request.user, quarter=quarter, today=today, team=team, territory=params.get("territory") or None
    )
    initial = {"quarter": quarter, "team": team, "territory": params.get("territory", "")}
    return report, CoverageFilterForm(initial=initial, quarters=sorted({*quarters, quarter}))


def coverage_chart(lines: list[selectors.CoverageLine]) -> dict:
    """Coverage against the required multiple: a bar per line, a mark where its required multiple stands."""
    shown = [line for line in lines if line.figures.quota is not None]
    top = float(max((max(line.figures.coverage or 0, line.figures.required_multiple) for line in shown), default=1))
    chart = bar_chart(
        [
            (
                line.label,
                float(line.figures.coverage if line.figures.coverage is not None else top),
                "no gap"
                if line.figures.coverage is None
                else f"{line.figures.coverage}× of {line.figures.required_multiple}×",
            )
            for line in shown
        ],
        top,
    )
    for bar, line in zip(chart["bars"], shown, strict=True):
        bar["status"] = line.figures.status
        bar["mark_x"] = chart["bar_x"] + round(chart["track_width"] * float(line.figures.required_multiple) / top, 1)
    return chart


@login_required
def coverage(request):
    """Coverage of a quarter: reps (own, team's, everyone's by role), teams and territories."""
    report, form = _report(request)
    return render(
        request,
        "sales_ops/coverage/coverage.html",
        {
            "report": report,
            "form": form,
            "chart": coverage_chart(report.reps),
            "team_chart": coverage_chart(report.teams),
            "tables": [("By team", report.teams), ("By territory", report.territories)],
            "here": "sales_ops:coverage",
        },
    )


CSV_COLUMNS = ["level", "name", "territory", "quota", "open_pipeline", "won", "gap", "coverage", "required_multiple",
               "win_rate", "status", "to_source", "snapshot_coverage", "snapshot_status"]  # fmt: skip


@login_required
def coverage_export(request):
    """The same figures as CSV, one row per rep, team and territory."""
    report, _form = _report(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coverage-{report.quarter}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for level, lines in (("rep", report.reps), ("team", report.teams), ("territory", report.territories)):
        for line in lines:
            row = line.as_dict()
            snap = row["snapshot"] or {}
            writer.writerow(
                [level, _cell(line.label), _cell(line.territory if level == "rep" else "")]
                + [row[name] if row[name] is not None else "" for name in CSV_COLUMNS[3:12]]
                + [snap.get("coverage") or "", snap.get("status", "")]
            )
    return response


def _cell(text: str) -> str:
    """A name as a spreadsheet cell: never a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
def coverage_source(request):
    """Marketing's view: the pipeline to source by territory and segment, and the quarter's pipeline by source."""
    if not request.user.has_perm("sales_ops.may_view_pipeline_to_source"):
        raise PermissionDenied("The pipeline to source is for marketing and sales ops.")
    report, form = _report(request)
    created = {origin: sum((line.created[origin] for line in report.reps), 0) for origin in Origin.LABELS}
    return render(
        request,
        "sales_ops/coverage/source.html",
        {
            "report": report,
            "form": form,
            "cells": report.to_source(),
            "total": sum((cell["to_source"] for cell in report.to_source()), 0),
            # Without a quota no shortfall can be measured: "nothing missing" would read as good news.
            "has_quotas": any(line.figures.quota is not None for line in report.reps),
            "created": [(Origin.LABELS[origin], amount) for origin, amount in created.items()],
            "created_any": any(created.values()),
            "here": "sales_ops:coverage_source",
        },
    )


def home_panels(user) -> list[tuple[str, dict]]:
    """The rep's own coverage of this quarter on the home page (anyone with a quota or the rep role)."""
    if not user.is_authenticated or not (user.has_role("rep") or user.quotas.exists()):
        return []
    today = timezone.localdate()
    report = selectors.coverage_report(user=user, quarter=quarter_of(today), today=today, rep=user.pk)
    if not report.reps:
        return []
    return [("sales_ops/coverage/_home_panel.html", {"line": report.reps[0], "report": report})]
