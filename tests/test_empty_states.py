"""Every list and report with nothing in it says what would be there and how it gets there, never a row of zeros
that reads as a figure (issue 13, item 8). One test per page, with no data but the people."""

import datetime as dt
import html
import re

import pytest
import time_machine

from apps.core.factories import UserFactory
from apps.core.models import Role

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


def page(client, user, url: str) -> str:
    """The page's visible text, tags dropped and whitespace squeezed."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_home_without_leads_says_how_they_arrive_instead_of_seven_zeros(client, admin_user):
    text = page(client, admin_user, "/")
    assert "No leads yet. Leads arrive from marketing automation through the API or a CSV import" in text
    assert "0 New" not in text and "0 Marketing qualified" not in text
    assert "No lead is waiting for sales to accept it." in text
    assert "An opportunity opens when a rep converts an accepted lead" in text


def test_a_reps_home_without_leads_says_they_come_from_marketing(client, rep):
    text = page(client, rep, "/")
    assert "You have no leads yet. A lead becomes yours when marketing hands it to you" in text
    assert "0 Sales accepted" not in text


def test_the_team_page_with_nothing_at_risk_shows_no_zero_tally(client, manager):
    text = page(client, manager, "/sales/team/")
    assert "Nothing at risk and nothing breached. An open lead shows up here" in text
    assert "0 at risk" not in text and "0 breached" not in text


def test_compliance_without_stopped_clocks_says_how_a_clock_stops_instead_of_zero_percent(client, sales_ops):
    text = page(client, sales_ops, "/sales/compliance/")
    assert "No hand-off clock has stopped in this period, so there is nothing to measure yet." in text
    assert "stops when the rep accepts or rejects it" in text
    assert "0 stopped clocks" not in text and "0.0 %" not in text


def test_deal_reports_without_requests_say_so_instead_of_zero_decided(client, sales_ops):
    text = page(client, sales_ops, "/sales/deals/reports/")
    assert "No deal request was submitted in this period, so there is nothing to report yet." in text
    assert "0 decided" not in text and "0 approved" not in text and "0 h 00 min" not in text


def test_a_turnaround_decided_at_once_reads_under_a_minute_not_zero(client, sales_ops, rep, manager):
    from apps.core.factories import OpportunityFactory
    from apps.sales_ops.deal_desk import services
    from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory

    ApprovalRuleFactory(name="Manager review")
    request = DealRequestFactory(opportunity=OpportunityFactory(owner=rep), requester=rep)
    services.deal_request_submit(request_id=request.pk, actor=rep)
    services.deal_request_decide(request_id=request.pk, actor=manager, outcome="approve")
    text = page(client, sales_ops, "/sales/deals/reports/")
    assert "Manager review 1 under 1 min under 1 min" in text
    assert "0 h 00 min" not in text


def test_the_budget_page_without_envelopes_or_campaigns_says_how_to_plan(client, marketing_ops):
    text = page(client, marketing_ops, "/marketing/budget/")
    assert "No budget for this quarter yet: no envelope and no campaign." in text
    assert "Every campaign of" not in text and "0.00 planned" not in text and "0 campaigns." not in text


def test_roi_without_campaigns_says_what_it_would_weigh(client, marketing_ops):
    text = page(client, marketing_ops, "/marketing/roi/")
    assert "No campaigns in this quarter, so nothing to weigh against its spend." in text


def test_coverage_without_quotas_says_who_sets_them(client, sales_ops):
    text = page(client, sales_ops, "/sales/coverage/")
    assert "No rep has a quota for this quarter yet. Coverage compares each rep's open pipeline" in text
    assert "No reps to show. A rep shows here once they are in the rep role" in text


def test_pipeline_to_source_without_quotas_is_not_good_news(client, marketing_ops):
    text = page(client, marketing_ops, "/sales/coverage/source/")
    assert "No rep has a quota for this quarter yet, so no shortfall can be measured." in text
    assert "No pipeline was created in this quarter yet." in text
    assert "Missing pipeline: 0.00" not in text and "Every rep" not in text and "Marketing-sourced 0.00" not in text


def test_content_reports_of_an_empty_library_do_not_call_every_asset_used(client, marketing_ops):
    text = page(client, marketing_ops, "/marketing/content/reports/")
    assert "The library has no live asset yet, so nothing can go unused." in text
    assert "Every live asset was used" not in text and "0 live assets" not in text


def test_an_empty_library_says_how_assets_get_in_not_nothing_found(client, marketing_ops):
    text = page(client, marketing_ops, "/marketing/content/")
    assert "The library is empty. Add decks, case studies and other assets with “New asset”" in text
    assert "0 assets" not in text and "Nothing found" not in text


def test_a_rep_sees_why_the_library_is_empty_for_them(client, db):
    rep = UserFactory(username="rena", roles=[Role.REP])
    text = page(client, rep, "/marketing/content/")
    assert "No assets for you yet." in text and "Nothing found" not in text
