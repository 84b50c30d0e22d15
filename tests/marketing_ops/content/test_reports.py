"""Reports of the library: win rates with the counts behind them, most and never used, usage by team."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.core.factories import ContactFactory, OpportunityFactory, UserFactory
from apps.core.models import OpportunityStage, Role
from apps.marketing_ops.content.factories import AssetFactory, published_asset
from apps.marketing_ops.content.models import ContentShare, ContentUsage
from apps.marketing_ops.content.selectors import (
    content_most_used,
    content_never_used,
    content_usage_by_team,
    content_win_rates,
)

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
WON, LOST, OPEN = OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST, OpportunityStage.PROPOSAL


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def opportunity(stage, *, closed_at=NOW, close_date=dt.date(2026, 11, 20)):
    return OpportunityFactory(stage=stage, closed_at=closed_at if stage != OPEN else None, close_date=close_date)


def share(asset, opp, *, at=NOW - 10 * DAY, by=None):
    return ContentShare.objects.create(
        asset=asset,
        version=asset.current_version,
        contact=ContactFactory(account=opp.account),
        opportunity=opp,
        shared_by=by or opp.owner,
        at=at,
    )


def use(asset, user, action=ContentUsage.Action.DOWNLOAD, *, at=NOW - DAY):
    return ContentUsage.objects.create(asset=asset, version=asset.current_version, user=user, action=action, at=at)


# --- win rates -----------------------------------------------------------------------------------------------


@pytest.fixture
def deals(db):
    """Six closed opportunities (3 won, 3 lost) and one open; the case study shared on two won and one lost."""
    won = [opportunity(WON) for _ in range(3)]
    lost = [opportunity(LOST) for _ in range(3)]
    opportunity(OPEN)
    case_study = published_asset(title="Case study")
    for opp in (won[0], won[1], lost[0]):
        share(case_study, opp)
    share(case_study, won[0], at=NOW - 9 * DAY)  # shared twice on one deal: one opportunity
    return {"won": won, "lost": lost, "case_study": case_study}


def test_win_rate_with_and_without_the_asset_with_their_counts(deals):
    (rate,) = content_win_rates()

    assert rate.asset_id == deals["case_study"].pk
    assert (rate.shared_won, rate.shared_closed) == (2, 3)
    assert (rate.other_won, rate.other_closed) == (1, 3)
    assert rate.shared_rate.quantize(Decimal("0.1")) == Decimal("66.7")
    assert rate.other_rate.quantize(Decimal("0.1")) == Decimal("33.3")


def test_a_share_after_the_deal_closed_does_not_count(deals):
    late = published_asset(title="Late deck")
    share(late, deals["lost"][1], at=NOW + DAY)

    assert [rate.title for rate in content_win_rates()] == ["Case study"]


def test_win_rate_is_none_with_nothing_to_divide(db):
    asset = published_asset(title="Only deal")
    share(asset, opportunity(WON))

    (rate,) = content_win_rates()

    assert (rate.shared_won, rate.shared_closed, rate.shared_rate) == (1, 1, 100)
    assert (rate.other_won, rate.other_closed, rate.other_rate) == (0, 0, None)


def test_win_rates_count_opportunities_closed_in_the_period(deals):
    opportunity(WON, close_date=dt.date(2026, 1, 5))  # outside

    (rate,) = content_win_rates(closed_from=dt.date(2026, 11, 1), closed_to=dt.date(2026, 11, 30))

    assert (rate.other_won, rate.other_closed) == (1, 3)


@pytest.mark.parametrize("assets", [1, 5])
def test_win_rates_read_in_two_queries(db, assets, django_assert_num_queries):
    opp = opportunity(WON)
    for i in range(assets):
        share(published_asset(title=f"Deck {i}"), opp)

    with django_assert_num_queries(2):
        assert len(content_win_rates()) == assets


# --- most and never used -------------------------------------------------------------------------------------


def test_most_used_counts_views_downloads_and_shares_in_the_period(db, rep):
    popular, quiet = published_asset(title="Popular"), published_asset(title="Quiet")
    use(popular, rep, ContentUsage.Action.VIEW)
    use(popular, rep)
    share(popular, opportunity(OPEN), at=NOW - DAY)
    use(quiet, rep)
    use(quiet, rep, at=NOW - 60 * DAY)  # before the period

    top = list(content_most_used(since=NOW - 30 * DAY, until=NOW))

    assert [(a.title, a.view_count, a.download_count, a.share_count, a.use_count) for a in top] == [
        ("Popular", 1, 1, 1, 3),
        ("Quiet", 0, 1, 0, 1),
    ]


def test_never_used_lists_live_assets_without_use_in_the_period(db, rep):
    used, used_long_ago, shared = (published_asset(title=t) for t in ("Used", "Used long ago", "Shared"))
    untouched = published_asset(title="Untouched")
    AssetFactory(title="A draft nobody used")
    published_asset(title="Expired", expires_on=NOW.date())
    use(used, rep)
    use(used_long_ago, rep, at=NOW - 200 * DAY)
    share(shared, opportunity(OPEN), at=NOW - DAY)

    never = list(content_never_used(since=NOW - 90 * DAY, until=NOW))

    assert never == [untouched, used_long_ago]  # by title: "Untouched" < "Used long ago"


@pytest.mark.parametrize("assets", [1, 6])
def test_most_and_never_used_read_in_one_query_each(db, rep, assets, django_assert_num_queries):
    for i in range(assets):
        use(published_asset(title=f"Used {i}"), rep)
        published_asset(title=f"Unused {i}")

    with django_assert_num_queries(1):
        assert len([a.owner.username for a in content_most_used()]) == assets
    with django_assert_num_queries(1):
        assert len([a.owner.username for a in content_never_used(today=timezone.localdate())]) == assets


# --- usage by team -------------------------------------------------------------------------------------------


def test_usage_counts_in_the_team_of_the_users_manager(db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="Lead", roles=[Role.MANAGER])
    bert = UserFactory(username="bert", first_name="Bert", last_name="Boss", roles=[Role.MANAGER])
    anna_reps = [UserFactory(roles=[Role.REP], manager=anna) for _ in range(2)]
    bert_rep = UserFactory(roles=[Role.REP], manager=bert)
    loner = UserFactory(roles=[Role.REP])
    deck = published_asset(title="Deck")
    use(deck, anna_reps[0], ContentUsage.Action.VIEW)
    use(deck, anna_reps[0])
    use(deck, anna_reps[1])
    share(deck, OpportunityFactory(owner=anna_reps[1], stage=OPEN), by=anna_reps[1])
    use(deck, bert_rep, ContentUsage.Action.VIEW)
    use(deck, loner)
    use(deck, anna, at=NOW - 100 * DAY)  # outside the period

    teams = content_usage_by_team(since=NOW - 30 * DAY, until=NOW)

    assert [(t.manager_name, t.views, t.downloads, t.shares, t.people) for t in teams] == [
        ("Anna Lead", 1, 2, 1, 2),
        ("Bert Boss", 1, 0, 0, 1),
        ("No manager", 0, 1, 0, 1),
    ]


@pytest.mark.parametrize("teams", [1, 4])
def test_usage_by_team_reads_in_three_queries(db, teams, django_assert_num_queries):
    deck = published_asset(title="Deck")
    for _ in range(teams):
        use(deck, UserFactory(roles=[Role.REP], manager=UserFactory(roles=[Role.MANAGER])))

    with django_assert_num_queries(3):
        assert len(content_usage_by_team()) == teams
