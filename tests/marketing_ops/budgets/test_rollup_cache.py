"""On PostgreSQL the budget page's roll-up is kept in the shared cache under the quarter's data version: the page
viewed again before anything changed does not roll the quarter up again, and any write to a row the roll-up reads,
by any path (a service, a bulk update that sends no signal, raw SQL, in the same transaction as the read), is seen
at once. A cache that cannot be reached leaves the report right."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignSpendTotals, Channel, SpendKind
from apps.marketing_ops.budgets.selectors import report as report_module
from apps.marketing_ops.budgets.selectors.report import budget_report
from apps.marketing_ops.budgets.services import budget, spend

QUARTER = "2026-Q2"
TODAY = dt.date(2026, 4, 15)
ROLLUP = "WITH campaign AS"  # the start of both roll-up statements (rollup_sql._FIGURES)


@pytest.fixture
def campaigns(db, on_postgres):
    search = EnvelopeFactory(channel=Channel.PAID_SEARCH, amount=Decimal(100_000))
    events = EnvelopeFactory(channel=Channel.EVENTS, amount=Decimal(50_000))
    made = []
    for n, (envelope, planned, actual) in enumerate([(search, 1000, 400), (search, 2000, 2500), (events, 500, 0)]):
        campaign = CampaignFactory(envelope=envelope, name=f"C{n}", planned_amount=Decimal(planned))
        if actual:
            CampaignSpendTotals.objects.create(campaign=campaign, actual=Decimal(actual))
        made.append(campaign)
    return made


def _report(**asked):
    with CaptureQueriesContext(connection) as queries:
        report = budget_report(quarter=QUARTER, today=asked.pop("today", TODAY), **asked)
    return report, sum(ROLLUP in query["sql"] for query in queries)


def _python(monkeypatch, **asked):
    with monkeypatch.context() as patch:
        patch.setattr(report_module, "_InPostgres", report_module._InPython)
        return budget_report(quarter=QUARTER, today=TODAY, **asked)


def _same(report, expected) -> None:
    assert report.channels == expected.channels
    assert report.totals == expected.totals
    assert report.off_track_count == expected.off_track_count
    assert [(line.campaign, line.figures) for line in report.page.lines] == [
        (line.campaign, line.figures) for line in expected.page.lines
    ]
    assert [line.campaign.pk for line in report.off_track] == [line.campaign.pk for line in expected.off_track]
    assert [line.campaign.pk for line in report.largest] == [line.campaign.pk for line in expected.largest]


def test_the_quarter_viewed_again_is_not_rolled_up_again(campaigns, monkeypatch):
    first, rolled_up_first = _report()
    again, rolled_up_again = _report()

    assert rolled_up_first == 2  # the channels' sums, then the lines shown
    assert rolled_up_again == 0
    _same(again, _python(monkeypatch))
    _same(first, again)
    assert [line.campaign.owner for line in again.page.lines] == [line.campaign.owner for line in first.page.lines]


def test_another_order_is_kept_apart(campaigns, monkeypatch):
    _report()

    by_plan, rolled_up = _report(sort="-planned")
    _, rolled_up_again = _report(sort="-planned")

    assert (rolled_up, rolled_up_again) == (2, 0)
    _same(by_plan, _python(monkeypatch, sort="-planned"))


def test_the_next_day_is_rolled_up_again(campaigns):
    _report()

    _, rolled_up = _report(today=TODAY + dt.timedelta(days=1))

    assert rolled_up == 2


def _update_plan(campaigns):
    Campaign.objects.filter(pk=campaigns[0].pk).update(planned_amount=F("planned_amount") + 10_000)  # no signal


def _update_spend(campaigns):
    CampaignSpendTotals.objects.filter(campaign=campaigns[1]).update(actual=F("actual") - 2000)


def _first_spend(campaigns):
    CampaignSpendTotals.objects.create(campaign=campaigns[2], committed=Decimal(600))


def _raw_sql(campaigns):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CampaignSpendTotals._meta.db_table} SET actual = actual + 900")


def _posted(campaigns):
    spend.spend_post(
        campaign_id=campaigns[2].pk,
        kind=SpendKind.ACTUAL,
        vendor="Hall",
        spent_on=TODAY,
        amount="700.00",
        currency="USD",
    )


def _new_campaign(campaigns):
    CampaignFactory(envelope=campaigns[0].envelope, name="New", planned_amount=Decimal(50))


def _deleted(campaigns):
    Campaign.objects.filter(pk=campaigns[1].pk).delete()


def _moved_out(campaigns):
    Campaign.objects.filter(pk=campaigns[0].pk).update(fiscal_quarter="2026-Q3")


def _envelope_grown(campaigns):
    BudgetEnvelope.objects.filter(pk=campaigns[2].envelope_id).update(amount=F("amount") + 1)


def _renamed_through_the_service(campaigns):
    budget.campaign_update(campaign_id=campaigns[2].pk, data={"name": "A first by name"})


@pytest.mark.parametrize(
    "write",
    [
        _update_plan,
        _update_spend,
        _first_spend,
        _raw_sql,
        _posted,
        _new_campaign,
        _deleted,
        _moved_out,
        _envelope_grown,
        _renamed_through_the_service,
    ],
)
def test_any_write_to_what_the_roll_up_reads_is_seen_at_once(campaigns, monkeypatch, write):
    before, _ = _report(sort="name")

    write(campaigns)
    after, rolled_up = _report(sort="name")

    assert rolled_up == 2
    expected = _python(monkeypatch, sort="name")
    _same(after, expected)
    assert (after.totals, [line.campaign for line in after.page.lines]) != (
        before.totals,
        [line.campaign for line in before.page.lines],
    )  # the write changed what the page shows, so a stale roll-up would have failed above


def test_a_cache_that_cannot_be_reached_leaves_the_report_right(campaigns, monkeypatch, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    report, rolled_up = _report()

    assert rolled_up == 2
    _same(report, _python(monkeypatch))
    assert "cache unavailable" in caplog.text
