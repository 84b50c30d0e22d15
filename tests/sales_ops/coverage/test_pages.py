"""The coverage pages, the CSV, the home panel, and the pipeline definition they read."""

import datetime as dt

import pytest

from apps.core.factories import OpportunityFactory
from apps.core.models import OpportunityStage, StageForecastCategory
from apps.core.services.pipeline import stage_category_set
from apps.sales_ops.coverage.services.snapshots import coverage_snapshot_take

from .conftest import QUARTER

pytestmark = pytest.mark.django_db


def test_coverage_page_shows_chart_and_snapshot_beside_live(world, client, sales_ops):
    coverage_snapshot_take(quarter=QUARTER, today=dt.date(2026, 10, 1))
    client.force_login(sales_ops)
    page = client.get("/sales/coverage/", {"quarter": QUARTER}).content.decode()
    assert "<svg" in page and "chart-mark" in page
    assert "At quarter start" in page and "2026-10-01" in page


def test_manager_team_view_lists_only_their_team(world, client, manager, other_rep):
    client.force_login(manager)
    page = client.get("/sales/coverage/", {"quarter": QUARTER}).content.decode()
    assert "Ana" in page and other_rep.get_full_name() not in page


def test_a_rep_may_not_open_another_team(world, client, other_rep, manager):
    client.force_login(other_rep)
    assert client.get("/sales/coverage/", {"quarter": QUARTER, "team": manager.pk}).status_code == 404


def test_csv_has_a_row_per_rep_team_and_territory(world, client, sales_ops):
    client.force_login(sales_ops)
    rows = client.get("/sales/coverage/export/", {"quarter": QUARTER}).content.decode().splitlines()
    assert rows[0].startswith("level,name,territory,quota")
    assert sum(row.startswith("rep,") for row in rows) == 4
    assert any(row.startswith("team,") for row in rows)


def test_pipeline_to_source_is_for_ops(world, client, manager, marketing_ops):
    client.force_login(manager)
    assert client.get("/sales/coverage/source/").status_code == 403
    client.force_login(marketing_ops)
    page = client.get("/sales/coverage/source/", {"quarter": QUARTER}).content.decode()
    assert "Marketing-sourced" in page and "to-source" in page


def test_the_rep_sees_their_coverage_on_the_home_page(world, client):
    client.force_login(world["ana"])
    page = client.get("/").content.decode()
    assert 'id="my-coverage"' in page and "1.64×" in page and "3.00×" in page


def test_home_page_pipeline_reads_the_definition(world, client, sales_ops):
    client.force_login(sales_ops)
    before = client.get("/").context["pipeline"]
    stage_category_set(stage=OpportunityStage.PROSPECTING, category="omitted", actor=sales_ops)
    after = client.get("/").context["pipeline"]
    assert sum(line.n for line in after) < sum(line.n for line in before)


def test_a_definition_change_is_recorded_and_dated(db, sales_ops, frozen):
    stage_category_set(stage=OpportunityStage.PROPOSAL, category="commit", actor=sales_ops)
    row = StageForecastCategory.objects.get(stage=OpportunityStage.PROPOSAL)
    latest = row.history.first()
    assert (latest.category, latest.history_user, row.changed_by) == ("commit", sales_ops, sales_ops)
    assert row.history.count() >= 1 and latest.history_date == frozen.now


def test_an_unknown_category_is_refused(db, sales_ops):
    from apps.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as error:
        stage_category_set(stage=OpportunityStage.PROPOSAL, category="maybe", actor=sales_ops)
    assert error.value.code == "unknown_category"
    assert StageForecastCategory.objects.get(stage=OpportunityStage.PROPOSAL).category == "best_case"


def test_created_pipeline_by_source(world, sales_ops, frozen):
    from apps.core.factories import LeadFactory
    from apps.sales_ops.coverage.selectors import coverage_report

    OpportunityFactory(owner=world["ben"], currency="USD", amount=500, source_lead=LeadFactory(source="webinar"))
    OpportunityFactory(owner=world["ben"], currency="USD", amount=300, source_lead=LeadFactory(source="partner"))
    report = coverage_report(user=sales_ops, quarter=QUARTER, today=dt.date(2026, 11, 23))
    ben = next(line for line in report.reps if line.label == "Ben")
    assert ben.created["marketing"] == 500 and ben.created["partner"] == 300
    assert ben.created["sales"] == 100_000  # the world's deal, made today without a lead


def test_a_reps_status_is_shown_by_its_label_never_its_code(world, client, sales_ops):
    from apps.core.factories import UserFactory
    from apps.core.models import Role

    UserFactory(username="eve", first_name="Eve", last_name="", roles=[Role.REP])  # no quota this quarter
    client.force_login(sales_ops)
    page = client.get("/sales/coverage/", {"quarter": QUARTER}).content.decode()
    assert ">No quota</span>" in page and ">Uncovered</span>" in page
    assert "No_quota" not in page and "no_quota<" not in page
