"""PostgreSQL rolls the budget page's quarter up in SQL; the report it gives is the one Python's roll-up gives,
campaign for campaign, at every threshold's edge, in every order."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import CampaignSpendTotals, CampaignStatus, Channel
from apps.marketing_ops.budgets.selectors import report as report_module
from apps.marketing_ops.budgets.selectors.report import SHOWS, SORTS, BudgetStatus, budget_report

TODAY = dt.date(2026, 5, 10)
TINY = Decimal("0.0000000001")  # the totals' last place
CHANNELS = [Channel.PAID_SEARCH, Channel.EVENTS, Channel.WEBINARS]
STATUSES = [CampaignStatus.ACTIVE] * 4 + [CampaignStatus.COMPLETED, CampaignStatus.CANCELLED]


def _edge_cases(rng: random.Random, count: int) -> list[dict]:
    """Campaigns on and either side of each threshold, finished or not, before, during and after their run."""
    cases = []
    for _ in range(count):
        planned = rng.choice([Decimal(0), Decimal("100.00"), Decimal("1000.10"), Decimal("333.33")])
        warn, over, projected_over = rng.choice([(80, 100, 10), (50, 90, 0), (80, 100, 200)])
        start = TODAY + dt.timedelta(days=rng.choice([-40, -9, 0, 1]))
        end = start + dt.timedelta(days=rng.choice([0, 9, 30]))
        at = rng.choice([warn, over, 100 + projected_over, 0, 37])
        spoken_for = planned * at / 100 + rng.choice([-TINY, 0, TINY])
        actual = (spoken_for * Decimal(rng.choice(["0", "0.5", "1"]))).quantize(TINY)
        if rng.random() < 0.2 and start <= TODAY <= end:  # invoiced so far runs exactly onto the edge by the end
            elapsed, days = (TODAY - start).days + 1, (end - start).days + 1
            actual = (planned * (100 + projected_over) / 100 * elapsed / days).quantize(TINY)
            spoken_for = actual
        cases.append(
            {
                "name": f"Campaign {rng.randrange(1000):03d}",  # names repeat: ties go by id
                "channel": rng.choice(CHANNELS),
                "status": rng.choice(STATUSES),
                "planned_amount": planned,
                "warn_at_percent": warn,
                "over_at_percent": over,
                "projected_over_percent": projected_over,
                "start_date": start,
                "end_date": end,
                "committed": spoken_for - actual,
                "actual": actual,
            }
        )
    return cases


@pytest.fixture
def quarter(db, on_postgres):
    envelopes = {channel: EnvelopeFactory(channel=channel, amount=Decimal(10**9)) for channel in CHANNELS}
    envelopes[Channel.PARTNER] = EnvelopeFactory(channel=Channel.PARTNER, amount=Decimal(5000))  # no campaigns
    for case in _edge_cases(random.Random(14), 160):
        committed, actual = case.pop("committed"), case.pop("actual")
        campaign = CampaignFactory(envelope=envelopes[case["channel"]], fiscal_quarter="2026-Q2", **case)
        if committed or actual or random.Random(campaign.pk).random() < 0.5:
            CampaignSpendTotals.objects.create(campaign=campaign, committed=committed, actual=actual)


def _both(monkeypatch, **asked):
    in_sql = budget_report(quarter="2026-Q2", today=TODAY, **asked)
    with monkeypatch.context() as patch:
        patch.setattr(report_module, "_InPostgres", report_module._InPython)
        in_python = budget_report(quarter="2026-Q2", today=TODAY, **asked)
    return in_sql, in_python


def _pks(lines) -> list[int]:
    return [line.campaign.pk for line in lines]


def test_the_sums_counts_and_worst_are_pythons(quarter, monkeypatch):
    in_sql, in_python = _both(monkeypatch)
    assert in_sql.channels == in_python.channels
    assert in_sql.totals == in_python.totals
    assert (in_sql.campaigns, in_sql.off_track_count) == (in_python.campaigns, in_python.off_track_count)
    assert _pks(in_sql.off_track) == _pks(in_python.off_track)
    assert _pks(in_sql.largest) == _pks(in_python.largest)
    # the edges are there: each status, and campaigns of each kind the status rule tells apart
    statuses = [line.figures.status for line in budget_report(quarter="2026-Q2", today=TODAY, page=1).page.lines]
    assert in_python.off_track_count > 20 and {*statuses} >= {BudgetStatus.OVER, BudgetStatus.ON_TRACK}
    assert "Partner" in [channel.label for channel in in_sql.channels]  # an envelope with no campaigns yet


def test_every_page_in_every_order_is_pythons(quarter, monkeypatch):
    for sort in [*SORTS, *(f"-{sort}" for sort in SORTS)]:
        for show in SHOWS:
            for page in (1, 2, 4):
                in_sql, in_python = _both(monkeypatch, sort=sort, show=show, page=page)
                asked = (sort, show, page)
                assert (in_sql.page.number, in_sql.page.pages, in_sql.page.count) == (
                    in_python.page.number, in_python.page.pages, in_python.page.count,
                ), asked  # fmt: skip
                assert _pks(in_sql.page.lines) == _pks(in_python.page.lines), asked
                assert [line.figures for line in in_sql.page.lines] == [line.figures for line in in_python.page.lines]
                assert [line.campaign for line in in_sql.page.lines] == [line.campaign for line in in_python.page.lines]
