"""Demo data for coverage: four quarters of closed history with a different win rate per demo rep, and this
quarter's quotas and open pipeline set so that one rep is covered, one thin, one uncovered (and one covered from
a win rate of their own). Run after core's demo records (which add some random deals of their own)."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.core.factories import AccountFactory, OpportunityFactory
from apps.core.models import Account, OpportunityStage, User
from apps.core.quarters import quarter_bounds, quarter_of, quarter_shift
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.coverage.selectors import coverage_report
from apps.sales_ops.coverage.services.quotas import quota_set
from apps.sales_ops.coverage.services.snapshots import sees_every_rep

K = Decimal(1000)
# username: (won, lost) deals of 40,000 over the last four quarters, then coverage as a share of the required multiple
PLAN = {
    "rep": ((4, 4), Decimal("1.3")),  # wins one in two: needs 2×, has more: covered
    "rep2": ((2, 6), Decimal("0.85")),  # one in four: needs 4×: thin
    "rep3": ((0, 0), Decimal("0.4")),  # no history: the default 2.5×, far below: uncovered
    "rep4": ((3, 6), Decimal("1.1")),  # one in three: 3×: covered
}
GAP = 150 * K


def coverage_demo_seed() -> str:
    today = timezone.localdate()
    quarter = quarter_of(today)
    if Quota.objects.filter(quarter=quarter).exists():
        return f"Coverage demo: quotas for {quarter} are there already."
    reps = {user.username: user for user in User.objects.filter(username__in=PLAN)}
    first, last = quarter_bounds(quarter)
    for name, ((won, lost), _share) in PLAN.items():
        rep = reps.get(name)
        if rep is None:
            continue
        for index in range(won + lost):
            closed_in = quarter_shift(quarter, -(index % 4) - 1)
            close = quarter_bounds(closed_in)[0] + dt.timedelta(days=20 + index)
            stage = OpportunityStage.CLOSED_WON if index < won else OpportunityStage.CLOSED_LOST
            _deal(rep, 40 * K, stage, close, "history")
    report = coverage_report(user=sees_every_rep(), quarter=quarter, today=today)
    figures = {line.rep_id: line.figures for line in report.reps}
    for name, (_history, share) in PLAN.items():
        rep = reps.get(name)
        if rep is None:
            continue
        current = figures[rep.pk]
        target = current.required_multiple * share  # the coverage this rep should show
        gap = max(GAP, (current.open_pipeline / target).quantize(K) + K)
        quota_set(rep=rep, quarter=quarter, amount=current.won + gap, actor=None)
        missing = (target * gap - current.open_pipeline).quantize(Decimal("0.01"))
        if missing > 0:
            close = max(today, min(last, first + dt.timedelta(days=60)))
            _deal(rep, missing, OpportunityStage.PROPOSAL, close, "expansion")
        quota_set(rep=rep, quarter=quarter_shift(quarter, 1), amount=current.won + gap, actor=None)
    history = sum(won + lost for (won, lost), _share in PLAN.values())
    return f"Coverage demo: quotas for {quarter} and the next quarter, {history} closed deals of history."


def _deal(rep: User, amount: Decimal, stage: str, close: dt.date, what: str):
    account = Account.objects.filter(owner=rep).order_by("pk").first() or AccountFactory(
        owner=rep, territory=rep.territory
    )
    return OpportunityFactory(
        account=account,
        owner=rep,
        name=f"{account.name} — {what}",
        stage=stage,
        amount=amount,
        currency=settings.COMPANY_CURRENCY,
        close_date=close,
        closed_at=timezone.now() if stage.startswith("closed") else None,
    )
