"""The coverage arithmetic, pure: gap, coverage, the required multiple from a rep's own win rate, the status.

gap = quota − won (never below zero); coverage = open pipeline ÷ gap; the required multiple is closed ÷ won by
amount over the trailing four quarters (1 ÷ the win rate), when those quarters hold at least
`COVERAGE_MIN_CLOSED_DEALS` closed deals and some were won, else `COVERAGE_DEFAULT_MULTIPLE`, and at most
`COVERAGE_MAX_MULTIPLE` (a rep who won nothing of many would need infinite pipe). Covered: coverage at or above the
required multiple (or nothing left to win); thin: at or above `COVERAGE_THIN_RATIO` of it; else uncovered.
Figures are compared as shown, rounded to two places, so that what a person reads agrees with the status.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from apps.sales_ops.coverage.models import CoverageStatus

ZERO = Decimal(0)
CENT = Decimal("0.01")


def two_places(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rules:
    """The settings the arithmetic runs with (a snapshot keeps them)."""

    min_closed_deals: int
    default_multiple: Decimal
    max_multiple: Decimal
    thin_ratio: Decimal

    @classmethod
    def from_settings(cls) -> "Rules":
        return cls(
            min_closed_deals=int(settings.COVERAGE_MIN_CLOSED_DEALS),
            default_multiple=Decimal(str(settings.COVERAGE_DEFAULT_MULTIPLE)),
            max_multiple=Decimal(str(settings.COVERAGE_MAX_MULTIPLE)),
            thin_ratio=Decimal(str(settings.COVERAGE_THIN_RATIO)),
        )


@dataclass(frozen=True)
class Figures:
    quota: Decimal | None
    open_pipeline: Decimal
    won: Decimal
    gap: Decimal
    coverage: Decimal | None  # None: nothing left to win
    required_multiple: Decimal
    win_rate: Decimal | None  # None: too few closed deals to judge by
    status: str

    @property
    def status_label(self) -> str:
        """The status as pages and e-mails show it ("No quota"), never its code."""
        return CoverageStatus(self.status).label

    @property
    def to_source(self) -> Decimal:
        """Pipeline still missing to reach the required multiple of the gap."""
        return max(two_places(self.required_multiple * self.gap) - self.open_pipeline, ZERO)


def required_multiple(
    *, won: Decimal, closed: Decimal, closed_deals: int, rules: Rules
) -> tuple[Decimal, Decimal | None]:
    """The multiple of the gap a rep needs in pipeline, and the trailing win rate it came from (None: the default)."""
    if closed_deals < rules.min_closed_deals or closed <= 0:
        return rules.default_multiple, None
    win_rate = won / closed
    if win_rate <= 0:
        return rules.max_multiple, ZERO
    return min(two_places(1 / win_rate), rules.max_multiple), win_rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def coverage_figures(
    *,
    quota: Decimal | None,
    open_pipeline: Decimal,
    won: Decimal,
    trailing_won: Decimal,
    trailing_closed: Decimal,
    trailing_deals: int,
    rules: Rules,
) -> Figures:
    open_pipeline, won = two_places(open_pipeline), two_places(won)
    multiple, win_rate = required_multiple(
        won=trailing_won, closed=trailing_closed, closed_deals=trailing_deals, rules=rules
    )
    if quota is None:
        return Figures(None, open_pipeline, won, ZERO, None, multiple, win_rate, CoverageStatus.NO_QUOTA)
    gap = max(quota - won, ZERO)
    if gap == 0:
        return Figures(quota, open_pipeline, won, gap, None, multiple, win_rate, CoverageStatus.COVERED)
    coverage = two_places(open_pipeline / gap)
    if coverage >= multiple:
        status = CoverageStatus.COVERED
    elif coverage >= two_places(multiple * rules.thin_ratio):
        status = CoverageStatus.THIN
    else:
        status = CoverageStatus.UNCOVERED
    return Figures(quota, open_pipeline, won, gap, coverage, multiple, win_rate, status)
