"""Coverage alerts: on the quarter's first working day and then every seven days, each manager one e-mail listing
their reps below the required coverage, and each marketing ops person one listing the pipeline to source by
territory and segment. Each is one outbox row per recipient and period (its idempotency key), so a second run of
the same day, or two beats at once, e-mail no one twice.

Working days here are Monday to Friday: the alert is company-wide, not one team's calendar.
"""

import datetime as dt

from django.urls import reverse

from apps.core.models import NotificationKind, Role, User
from apps.core.quarters import quarter_bounds, quarter_of
from apps.core.services.outbox import OutgoingEmail, email_enqueue_many
from apps.sales_ops.coverage.models import CoverageStatus
from apps.sales_ops.coverage.services.snapshots import sees_every_rep

BELOW = (CoverageStatus.THIN, CoverageStatus.UNCOVERED)


def first_working_day(quarter: str) -> dt.date:
    day = quarter_bounds(quarter)[0]
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def alert_period(today: dt.date) -> tuple[str, str] | None:
    """(quarter, period) when `today` is an alert day: "start" on the first working day, "week-N" N weeks later."""
    quarter = quarter_of(today)
    days = (today - first_working_day(quarter)).days
    if days < 0 or days % 7:
        return None
    return quarter, "start" if days == 0 else f"week-{days // 7}"


def _money(value) -> str:
    return f"{value:,.2f}"


def coverage_alerts_send(*, today: dt.date) -> int:
    """E-mail the managers and marketing ops of an alert day (once each per period); the number of e-mails."""
    from apps.sales_ops.coverage.selectors import coverage_report, people_index, teams_index

    period = alert_period(today)
    if period is None:
        return 0
    quarter, name = period
    report = coverage_report(user=sees_every_rep(), quarter=quarter, today=today)
    teams = teams_index(people_index())
    currency = report.currency
    link = f"{reverse('sales_ops:coverage')}?quarter={quarter}"
    emails = []
    managers = User.objects.filter(is_active=True, groups__name=Role.MANAGER).exclude(email="").distinct()
    for manager in managers.order_by("pk"):
        team = teams.get(manager.pk, set())
        below = [line for line in report.reps if line.rep_id in team and line.figures.status in BELOW]
        if not below:
            continue
        rows = [
            {
                "rep": line.label,
                "coverage": "no gap" if line.figures.coverage is None else f"{line.figures.coverage}×",
                "required": f"{line.figures.required_multiple}×",
                "gap": _money(line.figures.gap),
                "to_source": _money(line.figures.to_source),
                "status": CoverageStatus(line.figures.status).label,
            }
            for line in below
        ]
        emails.append(
            OutgoingEmail(
                key=f"coverage-manager:{quarter}:{name}:{manager.pk}",
                to=[manager.email],
                template="coverage_manager",
                kind=NotificationKind.COVERAGE_ALERTS,
                context={
                    "quarter": quarter,
                    "manager_name": manager.first_name or manager.username,
                    "currency": currency,
                    "rows": rows,
                    "link": link,
                },
            )
        )
    gaps = report.to_source()
    if gaps:
        rows = [
            {"territory": row["territory"], "segment": row["segment_label"], "to_source": _money(row["to_source"])}
            for row in gaps
        ]
        total = _money(sum(row["to_source"] for row in gaps))
        marketing = User.objects.filter(is_active=True, groups__name=Role.MARKETING_OPS).exclude(email="").distinct()
        for person in marketing.order_by("pk"):
            emails.append(
                OutgoingEmail(
                    key=f"coverage-marketing:{quarter}:{name}:{person.pk}",
                    to=[person.email],
                    template="coverage_marketing",
                    kind=NotificationKind.COVERAGE_ALERTS,
                    context={
                        "quarter": quarter,
                        "name": person.first_name or person.username,
                        "currency": currency,
                        "rows": rows,
                        "total": total,
                        "link": f"{reverse('sales_ops:coverage_source')}?quarter={quarter}",
                    },
                )
            )
    if not emails:
        return 0
    stored = email_enqueue_many(emails)
    return len(stored)
