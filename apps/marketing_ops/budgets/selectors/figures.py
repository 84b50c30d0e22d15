"""A campaign's money: plan, commitments, invoices, the projection and status that follow, and how amounts show.

Every figure is Decimal in the company currency and unrounded; `money()` and `percent()` round where shown.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum

from apps.marketing_ops.budgets.models import (
    BudgetAlert,
    Campaign,
    CampaignSpendTotals,
    CampaignStatus,
    SpendEntry,
    SpendKind,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def money(value: Decimal | None) -> Decimal | None:
    """How smops shows an amount: to the cent, halves away from zero (2.345 → 2.35, −2.345 → −2.35)."""
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Decimal | None) -> Decimal | None:
    """How smops shows a percentage: to a tenth, halves away from zero."""
    return None if value is None else value.quantize(TENTH, rounding=ROUND_HALF_UP)


def money_text(value: Decimal | None) -> str:
    """An amount as pages write it, formatted once: to the cent, thousands grouped ('1,234.57'); None → '—'.

    Plain string formatting, not Django's localisation: a page of figures would otherwise look the locale's
    separators up for every number it prints.
    """
    return "—" if value is None else f"{money(value):,}"


def percent_text(value: Decimal | None) -> str:
    """A share as pages write it: '95.0 %'; None → '—'."""
    return "—" if value is None else f"{percent(value)} %"


class BudgetStatus:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVER = "over"
    LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", OVER: "Over"}


def projection(*, committed: Decimal, actual: Decimal, start: dt.date, end: dt.date, today: dt.date) -> Decimal:
    """Spend expected by the end date: what is spoken for, or the invoices' run rate if that is higher.

    Before the start and after the end nothing more is extrapolated: the projection is what is committed and
    invoiced. In between, the invoiced amount per day so far (`actual / days elapsed`) runs on to the end
    date; commitments are money that will be invoiced, so the projection never falls below them.
    """
    spoken_for = committed + actual
    if today < start or today > end:
        return spoken_for
    elapsed, total = (today - start).days + 1, (end - start).days + 1
    return max(spoken_for, actual * total / elapsed)


@dataclass
class BudgetFigures:
    """One campaign's money: plan, open commitments, invoices, and what follows from them on `today`.

    Made once per campaign and never changed. What pages sort and count by (spoken for, projected, % used,
    status) is derived once, when it is made: every campaign of a quarter needs all four on the budget page,
    and one pass costs a quarter of 10,000 campaigns less than a property or a cached one read four times
    each. A plain dataclass, not a frozen one, whose `__init__` would cost ten times as much.
    """

    campaign_id: int
    planned: Decimal
    committed: Decimal  # purchase orders not yet settled by invoices
    actual: Decimal  # invoices less credit notes
    start: dt.date
    end: dt.date
    today: dt.date
    warn_at_percent: int = 80
    over_at_percent: int = 100
    projected_over_percent: int = 10
    finished: bool = False  # completed or cancelled: what it spent is final, nothing is still at risk
    spoken_for: Decimal = field(init=False)  # committed + actual
    projected: Decimal = field(init=False)  # `projection()` on `today`
    used_percent: Decimal | None = field(init=False)  # spoken for as a share of the plan (None without a plan)
    status: str = field(init=False)  # `BudgetStatus`

    def __post_init__(self):
        self.spoken_for = self.committed + self.actual
        self.projected = projection(
            committed=self.committed, actual=self.actual, start=self.start, end=self.end, today=self.today
        )
        self.used_percent = self.spoken_for * 100 / self.planned if self.planned else None
        self.status = self._status()

    @property
    def available(self) -> Decimal:
        return self.planned - self.spoken_for

    @property
    def days_elapsed(self) -> int:
        return max(0, (min(self.today, self.end) - self.start).days + 1)

    @property
    def days_left(self) -> int:
        return max(0, (self.end - max(self.today, self.start - dt.timedelta(days=1))).days)

    @property
    def burn_rate(self) -> Decimal | None:
        """Invoiced per day since the start (None before it)."""
        return self.actual / self.days_elapsed if self.days_elapsed else None

    def passes(self, threshold: str) -> bool:
        """Whether the campaign is past one of its alert thresholds (`BudgetAlert.Threshold`)."""
        if threshold == BudgetAlert.Threshold.PROJECTED:
            return self.projected > self.planned * (100 + self.projected_over_percent) / 100
        at = self.warn_at_percent if threshold == BudgetAlert.Threshold.WARN else self.over_at_percent
        if not self.planned:
            return self.spoken_for > 0
        return self.spoken_for * 100 >= self.planned * at

    @property
    def over_plan(self) -> bool:
        """A finished campaign is over only when it spent more than its plan (or anything without one)."""
        return self.spoken_for > self.planned

    def _status(self) -> str:
        """Over, at risk or on track. A finished campaign that stayed within its plan is on track, however
        close to the plan it came: the thresholds warn of what may still happen, and nothing more will.

        What `passes` says of the over, warn and projected thresholds, written out: the budget page asks it of
        every campaign of the quarter, and three calls through the alert's enum were a quarter of the page's Python
        (tests/marketing_ops/budgets/test_figures.py holds the two to the same answers).
        """
        spoken_for, planned = self.spoken_for, self.planned
        if self.finished:
            return BudgetStatus.OVER if spoken_for > planned else BudgetStatus.ON_TRACK
        if not planned:
            if spoken_for > 0:
                return BudgetStatus.OVER
        else:
            used = spoken_for * 100
            if used >= planned * self.over_at_percent:
                return BudgetStatus.OVER
            if used >= planned * self.warn_at_percent:
                return BudgetStatus.AT_RISK
        if self.projected * 100 > planned * (100 + self.projected_over_percent):
            return BudgetStatus.AT_RISK
        return BudgetStatus.ON_TRACK

    @property
    def status_label(self) -> str:
        return BudgetStatus.LABELS[self.status]

    @property
    def off_track_reasons(self) -> list[str]:
        reasons = []
        used = percent(self.used_percent)
        if self.finished:
            if self.over_plan:
                reasons.append(f"finished {money(self.spoken_for - self.planned):,} over its plan")
            return reasons
        if self.passes(BudgetAlert.Threshold.OVER):
            reasons.append(f"{used} % of plan used" if used is not None else "spending without a plan")
        elif self.passes(BudgetAlert.Threshold.WARN):
            reasons.append(f"{used} % of plan used")
        if self.passes(BudgetAlert.Threshold.PROJECTED):
            reasons.append(f"projected {money(self.projected):,} against a plan of {money(self.planned):,}")
        return reasons

    def shown(self) -> dict:
        """The figures as pages, the API, the CSV and the e-mails show them: rounded, as strings."""
        values = {
            "planned": money(self.planned),
            "committed": money(self.committed),
            "actual": money(self.actual),
            "available": money(self.available),
            "projected": money(self.projected),
            "burn_rate_per_day": money(self.burn_rate),
            "used_percent": percent(self.used_percent),
        }
        return {
            **{name: None if value is None else str(value) for name, value in values.items()},
            "days_elapsed": self.days_elapsed,
            "days_left": self.days_left,
            "status": self.status,
            "currency": settings.COMPANY_CURRENCY,
        }


CAMPAIGN_FIGURE_FIELDS = (
    "id",
    "status",
    "planned_amount",
    "start_date",
    "end_date",
    "warn_at_percent",
    "over_at_percent",
    "projected_over_percent",
)


# The stored totals beside a campaign's own columns, through one LEFT JOIN: None for a campaign with no spend yet.
STORED_TOTALS = {"committed": F("spend_totals__committed"), "actual": F("spend_totals__actual")}


def figure_rows(campaigns: QuerySet[Campaign], *fields: str) -> QuerySet[tuple]:
    """The campaigns as named rows (`row.planned_amount`, `row.committed`) with what their figures need, and
    `fields`, their totals joined: one query. Tuples, not dicts: the budget page reads 10,000 of them."""
    columns = (*CAMPAIGN_FIGURE_FIELDS, *fields, *STORED_TOTALS)
    return campaigns.annotate(**STORED_TOTALS).values_list(*columns, named=True)


def spend_totals(campaigns: QuerySet[Campaign]) -> dict[int, tuple[Decimal, Decimal]]:
    """(open commitments, actual) per campaign in `campaigns` that has spend, as stored: one query, one row each."""
    stored = CampaignSpendTotals.objects.filter(campaign__in=campaigns.values("pk"))
    rows = stored.values_list("campaign_id", "committed", "actual")
    return {pk: (committed, actual) for pk, committed, actual in rows}


def spend_sums(campaigns: QuerySet[Campaign]) -> QuerySet[dict]:
    """The one aggregate over the ledger: orders, what invoices settled of them, and invoices, per campaign."""
    return (
        SpendEntry.objects.filter(campaign__in=campaigns.values("pk"))
        .values("campaign_id")
        .annotate(
            committed=Sum("company_amount", filter=Q(kind=SpendKind.COMMITTED), default=ZERO),
            settled=Sum("settled_company_amount", default=ZERO),
            actual=Sum("company_amount", filter=Q(kind=SpendKind.ACTUAL), default=ZERO),
        )
        .order_by()
    )


def spend_totals_recomputed(campaigns: QuerySet[Campaign]) -> dict[int, tuple[Decimal, Decimal]]:
    """What `spend_totals` must say, summed again from the ledger (one GROUP BY over every line): the check."""
    return {row["campaign_id"]: (row["committed"] - row["settled"], row["actual"]) for row in spend_sums(campaigns)}


@dataclass(frozen=True)
class TotalsMismatch:
    """A campaign whose stored totals are not its ledger's: (committed, actual) as stored and as summed."""

    campaign_id: int
    stored: tuple[Decimal, Decimal]
    ledger: tuple[Decimal, Decimal]


def spend_totals_mismatches(campaigns: QuerySet[Campaign] | None = None) -> list[TotalsMismatch]:
    """Every campaign (of `campaigns`, else all) whose stored totals differ from its ledger summed; [] when right."""
    campaigns = Campaign.objects.all() if campaigns is None else campaigns
    stored, ledger, none = spend_totals(campaigns), spend_totals_recomputed(campaigns), (ZERO, ZERO)
    return [
        TotalsMismatch(pk, stored.get(pk, none), ledger.get(pk, none))
        for pk in sorted(stored.keys() | ledger.keys())
        if stored.get(pk, none) != ledger.get(pk, none)
    ]


def budget_figures(campaigns: QuerySet[Campaign], *, today: dt.date) -> dict[int, BudgetFigures]:
    """Each campaign's figures, in one query however many campaigns and spend entries there are."""
    return {row.id: _figures(row, today) for row in figure_rows(campaigns).order_by()}


def _figures(row, today: dt.date) -> BudgetFigures:
    """A campaign's figures from its `figure_rows` row."""
    return BudgetFigures(
        campaign_id=row.id,
        planned=row.planned_amount,
        committed=ZERO if row.committed is None else row.committed,
        actual=ZERO if row.actual is None else row.actual,
        start=row.start_date,
        end=row.end_date,
        today=today,
        warn_at_percent=row.warn_at_percent,
        over_at_percent=row.over_at_percent,
        projected_over_percent=row.projected_over_percent,
        finished=row.status in FINISHED_STATUSES,
    )


# A campaign in these has spent what it will: over its plan or on track, never at risk.
FINISHED_STATUSES = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED})


def campaign_budget(campaign: Campaign, *, today: dt.date) -> BudgetFigures:
    return budget_figures(Campaign.objects.filter(pk=campaign.pk), today=today)[campaign.pk]


def commitment_remaining(commitment: SpendEntry) -> Decimal:
    """How much of a purchase order (in its currency) no invoice has settled yet."""
    settled = commitment.settlements.aggregate(total=Sum("settles_amount", default=ZERO))["total"]
    return commitment.amount - settled
