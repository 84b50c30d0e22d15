"""The review queue and the usage reports."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from apps.marketing_ops.content import selectors
from apps.marketing_ops.content.forms import ReportPeriodForm

QUEUE_PER_PAGE = 50
NEVER_USED_SHOWN = 50


@login_required
def content_review_queue(request):
    """Versions waiting for the user's decision (marketing ops, legal), oldest upload first."""
    if not request.user.has_perm("marketing_ops.may_review_content"):
        raise PermissionDenied("The review queue is for marketing ops and legal.")
    page = Paginator(selectors.review_queue(user=request.user), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "marketing_ops/content/review_queue.html", {"page": page})


@login_required
def content_reports(request):
    """Most used, never used, use by team, and win rates with and without each asset, with their counts."""
    if not request.user.has_perm("marketing_ops.may_view_content_reports"):
        raise PermissionDenied("The content reports are for ops and managers.")
    form = ReportPeriodForm(request.GET or None)
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else "90"
    since = None if period == "all" else timezone.now() - dt.timedelta(days=int(period))
    never_used = selectors.content_never_used(since=since)
    never_used_count = never_used.count()
    return render(
        request,
        "marketing_ops/content/reports.html",
        {
            "form": form if form.is_bound else ReportPeriodForm(initial={"period": period}),
            "period_label": dict(form.fields["period"].choices)[period],
            "most_used": list(selectors.content_most_used(since=since)),
            "never_used": list(never_used[:NEVER_USED_SHOWN]),
            "never_used_count": never_used_count,
            # Asked only when nothing is unused: is everything used, or is there nothing live to use?
            "any_live": bool(never_used_count) or selectors.content_any_live(),
            "by_team": selectors.content_usage_by_team(since=since),
            "win_rates": selectors.content_win_rates(closed_from=since.date() if since else None),
            "since": since,
        },
    )
