"""Coverage, gap and the required multiple on the hand-computed world of conftest.py."""

from decimal import Decimal as D

import pytest

from apps.core.models import OpportunityStage
from apps.core.services.pipeline import stage_category_set
from apps.sales_ops.coverage.selectors import coverage_report
from apps.sales_ops.coverage.services.coverage import Rules, required_multiple

from .conftest import QUARTER, TODAY

pytestmark = pytest.mark.django_db


def _lines(user):
    report = coverage_report(user=user, quarter=QUARTER, today=TODAY)
    return {line.label.lower(): line.figures for line in report.reps}, report


def test_rep_with_a_trailing_win_rate_needs_its_inverse(world, sales_ops):
    ana = _lines(sales_ops)[0]["ana"]
    assert (ana.quota, ana.won, ana.open_pipeline, ana.gap) == (D(100_000), D(20_000), D(131_000), D(80_000))
    assert (ana.win_rate, ana.required_multiple, ana.coverage, ana.status) == (
        D("0.3333"),
        D("3.00"),
        D("1.64"),
        "uncovered",
    )


def test_rep_with_no_closed_history_needs_the_default_multiple(world, sales_ops):
    ben = _lines(sales_ops)[0]["ben"]
    assert (ben.win_rate, ben.required_multiple, ben.coverage, ben.status) == (None, D("2.5"), D("2.00"), "thin")


def test_rep_who_won_more_than_quota_has_no_gap_and_is_covered(world, sales_ops):
    cai = _lines(sales_ops)[0]["cai"]
    assert (cai.won, cai.gap, cai.coverage, cai.status) == (D(50_000), D(0), None, "covered")
    assert cai.to_source == 0


def test_foreign_won_deal_counts_at_the_rate_of_its_close_date(world, sales_ops):
    dee = _lines(sales_ops)[0]["dee"]
    assert (dee.won, dee.gap, dee.required_multiple, dee.coverage, dee.status) == (
        D(12_000),
        D(88_000),
        D("1.25"),
        D("1.25"),
        "covered",
    )


def test_team_line_sums_its_reps(world, sales_ops, manager):
    report = coverage_report(user=sales_ops, quarter=QUARTER, today=TODAY)
    (team,) = [line for line in report.teams if line.manager_id == manager.pk]
    assert (team.figures.quota, team.figures.won, team.figures.open_pipeline) == (D(290_000), D(82_000), D(351_000))


def test_a_stage_moved_to_omitted_leaves_the_pipeline(world, sales_ops):
    stage_category_set(stage=OpportunityStage.NEGOTIATION, category="omitted", actor=sales_ops)
    assert _lines(sales_ops)[0]["ana"].open_pipeline == D(81_000)


def test_missing_rate_is_reported_not_guessed(world, sales_ops, frozen):
    from apps.core.models import ExchangeRate

    ExchangeRate.objects.filter(valid_on__month=11).delete()
    lines, report = _lines(sales_ops)
    assert ("EUR", TODAY) in report.unconverted
    assert lines["ana"].open_pipeline == D(120_000)


def test_report_reads_in_a_fixed_number_of_queries(world, sales_ops, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        coverage_report(user=sales_ops, quarter=QUARTER, today=TODAY)


def test_query_count_does_not_grow_with_reps(world, sales_ops, manager, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coverage_report(user=sales_ops, quarter=QUARTER, today=TODAY)  # the viewer's roles are read once, then kept
    with CaptureQueriesContext(connection) as before:
        coverage_report(user=sales_ops, quarter=QUARTER, today=TODAY)
    from apps.core.factories import UserFactory
    from apps.core.models import Role

    from .conftest import deal

    for i in range(5):
        deal(UserFactory(username=f"more{i}", roles=[Role.REP], manager=manager), 1000)
    with django_assert_num_queries(len(before.captured_queries)):
        coverage_report(user=sales_ops, quarter=QUARTER, today=TODAY)


@pytest.mark.parametrize(
    ("won", "closed", "deals", "expected"),
    [
        (D(1), D(2), 5, (D("2.00"), D("0.5000"))),  # one in two: 2×
        (D(1), D(4), 5, (D("4.00"), D("0.2500"))),  # one in four: 4×
        (D(1), D(2), 4, (D("2.5"), None)),  # below the minimum sample: the default
        (D(0), D(9), 9, (D("10"), D(0))),  # nothing won: capped
    ],
)
def test_required_multiple(won, closed, deals, expected):
    rules = Rules(min_closed_deals=5, default_multiple=D("2.5"), max_multiple=D("10"), thin_ratio=D("0.75"))
    assert required_multiple(won=won, closed=closed, closed_deals=deals, rules=rules) == expected
