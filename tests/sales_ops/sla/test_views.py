"""Sales ops portal pages: My leads, the lead page with its moves, the team view and SLA compliance."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.factories import BusinessCalendarFactory, LeadFactory, TerritoryFactory, UserFactory
from apps.core.models import Lead, LeadStage, LeadTransition, Opportunity, Role
from apps.core.services import leads
from apps.sales_ops.models import SlaClock, SlaEscalation, SlaEvent, SlaPolicy
from apps.sales_ops.sla.factories import SlaPolicyFactory
from tests.sales_ops.conftest import T0, H, handed_off


@pytest.fixture
def policy(db):
    return SlaPolicyFactory(name="Accept hand-offs")


def accepted(owner, actor, **lead_fields) -> Lead:
    lead = handed_off(owner, actor, **lead_fields)
    return leads.lead_accept(lead_id=lead.pk, actor=owner)


def lead_ids(response) -> list[int]:
    return [row.lead.pk for row in response.context["rows"]]


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# --- who may open which page -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops", "marketing_ops", "admin_user"])
def test_my_leads_renders_for_every_role(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/sales/leads/").status_code == 200


@pytest.mark.parametrize("url", ["/sales/leads/", "/sales/team/", "/sales/compliance/", "/sales/leads/1/"])
def test_the_pages_need_a_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("sales_ops", 200), ("marketing_ops", 200), ("admin_user", 200), ("rep", 403)],
)
def test_the_team_view_is_for_managers_and_ops(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/sales/team/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("sales_ops", 200), ("marketing_ops", 200), ("admin_user", 200), ("manager", 403), ("rep", 403)],
)
def test_compliance_is_for_ops_only(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/sales/compliance/").status_code == status


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("rep", {"My leads"}),
        ("manager", {"My leads", "Team"}),
        ("sales_ops", {"My leads", "Team", "Compliance"}),
        ("admin_user", {"My leads", "Team", "Compliance"}),
    ],
)
def test_the_nav_shows_the_sales_pages_by_role(client, request, role, links):
    client.force_login(request.getfixturevalue(role))
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', client.get("/").content.decode(), re.S).group(1)
    shown = set(re.findall(r">(My leads|Team|Compliance)</a>", nav))
    assert shown == links


@pytest.mark.parametrize(("role", "status"), [("rep", 200), ("manager", 200), ("sales_ops", 200), ("other_rep", 404)])
def test_the_lead_page_is_for_those_who_see_the_lead(client, request, policy, marketing_ops, rep, role, status):
    lead = handed_off(rep, marketing_ops)
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/sales/leads/{lead.pk}/").status_code == status


# --- My leads ----------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_open_handed_off_and_accepted_leads(client, policy, marketing_ops, rep, other_rep):
    mine = {handed_off(rep, marketing_ops).pk, accepted(rep, marketing_ops).pk}
    handed_off(other_rep, marketing_ops)
    LeadFactory(owner=rep, stage=LeadStage.MQL)
    LeadFactory(owner=rep, stage=LeadStage.OPPORTUNITY)
    client.force_login(rep)
    assert set(lead_ids(client.get("/sales/leads/"))) == mine


def test_a_manager_sees_the_team_with_an_owner_column(client, policy, marketing_ops, manager, rep, other_rep):
    theirs = handed_off(rep, marketing_ops)
    handed_off(other_rep, marketing_ops)
    client.force_login(manager)
    response = client.get("/sales/leads/")
    assert lead_ids(response) == [theirs.pk]
    assert "<th>Owner</th>" in response.content.decode()


def test_a_rep_gets_no_owner_column(client, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    client.force_login(rep)
    assert "<th>Owner</th>" not in client.get("/sales/leads/").content.decode()


def test_ops_see_every_open_lead(client, policy, marketing_ops, sales_ops, rep, other_rep):
    everyone = {handed_off(rep, marketing_ops).pk, handed_off(other_rep, marketing_ops).pk}
    client.force_login(sales_ops)
    assert set(lead_ids(client.get("/sales/leads/"))) == everyone


def test_the_stage_filter_keeps_one_stage(client, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    kept = accepted(rep, marketing_ops)
    client.force_login(rep)
    assert lead_ids(client.get("/sales/leads/?stage=sal")) == [kept.pk]


def test_leads_are_ordered_by_working_time_left_and_those_without_a_clock_come_last(client, frozen, marketing_ops, rep):
    SlaPolicyFactory(name="hot", priority=1, score_min=80, target=1)
    SlaPolicyFactory(name="warm", priority=2, score_min=40, target=8)
    SlaPolicyFactory(name="lukewarm", priority=3, score_min=20, target=4)
    cold = handed_off(rep, marketing_ops, score=5)  # no policy fits: no clock
    warm = handed_off(rep, marketing_ops, score=50)
    hot = handed_off(rep, marketing_ops, score=90)
    frozen.now = T0 + 2 * H
    lukewarm = handed_off(rep, marketing_ops, score=30)
    # Now: 'hot' is 1 h over, 'lukewarm' has 4 h left, 'warm' 6 h; 'cold' has no clock.
    client.force_login(rep)
    assert lead_ids(client.get("/sales/leads/")) == [hot.pk, lukewarm.pk, warm.pk, cold.pk]


def test_the_countdown_says_how_much_working_time_is_left_with_a_green_cue(client, frozen, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    frozen.now = T0 + dt.timedelta(hours=1, minutes=15)
    client.force_login(rep)
    response = client.get("/sales/leads/")
    countdown = response.context["rows"][0].countdown
    assert (countdown.text, countdown.cue) == ("2 h 45 min left", "green")
    assert "2 h 45 min left" in text(response)


def test_the_countdown_turns_amber_past_the_warning_point(client, frozen, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    frozen.now = T0 + dt.timedelta(hours=3, minutes=30)  # warning at 75 % of 4 h
    client.force_login(rep)
    countdown = client.get("/sales/leads/").context["rows"][0].countdown
    assert (countdown.text, countdown.cue) == ("0 h 30 min left", "amber")


def test_the_countdown_says_how_long_it_is_over_in_red(client, frozen, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    frozen.now = T0 + dt.timedelta(hours=5, minutes=5)
    client.force_login(rep)
    response = client.get("/sales/leads/")
    assert 'class="countdown cue-red"' in response.content.decode()
    assert "1 h 05 min over" in text(response)


def test_the_countdown_counts_working_time_only(client, frozen, marketing_ops, rep):
    calendar = BusinessCalendarFactory(name="Berlin office", timezone="Europe/Berlin")  # Mon–Fri 09–17
    SlaPolicyFactory(calendar_mode=SlaPolicy.CalendarMode.FIXED, calendar=calendar)
    frozen.now = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)  # Friday 16:00 in Berlin: 1 h of the day left
    handed_off(rep, marketing_ops)
    frozen.now = dt.datetime(2026, 11, 28, 11, 0, tzinfo=dt.UTC)  # Saturday: nothing counted since Friday 17:00
    client.force_login(rep)
    countdown = client.get("/sales/leads/").context["rows"][0].countdown
    assert countdown.text == "3 h 00 min left"


def test_my_leads_makes_the_same_queries_for_3_leads_as_for_20(client, marketing_ops, manager, rep, other_rep):
    calendar = BusinessCalendarFactory(name="Berlin office", timezone="Europe/Berlin")
    SlaPolicyFactory(name="working hours", priority=1, score_min=50, calendar_mode="fixed", calendar=calendar)
    SlaPolicyFactory(name="24/7", priority=2)
    for index in range(3):
        handed_off(rep, marketing_ops, score=index * 40)
    client.force_login(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sales/leads/").status_code == 200
        return len(captured)

    few = queries()
    for index in range(17):
        lead = handed_off(rep, marketing_ops, score=index * 5)
        if index % 2:
            leads.lead_accept(lead_id=lead.pk, actor=rep)
    assert len(client.get("/sales/leads/").context["rows"]) == 20
    assert queries() == few


# --- the moves -----------------------------------------------------------------------------------------


def test_accept_moves_the_lead_to_sales_accepted_and_stops_the_clock_met(client, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    client.force_login(rep)
    response = client.post(f"/sales/leads/{lead.pk}/accept/", {"next": "/sales/leads/"}, follow=True)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SAL
    assert SlaClock.objects.get(lead=lead, stage=LeadStage.SQL).state == SlaClock.State.MET
    assert response.redirect_chain == [("/sales/leads/", 302)]
    assert f"Accepted lead #{lead.pk}" in text(response)


def test_reject_with_a_reason_sends_the_lead_back_to_marketing(client, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    client.force_login(rep)
    client.post(f"/sales/leads/{lead.pk}/reject/", {"reason": "Student, no budget"})
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_reason) == (LeadStage.RECYCLED, "Student, no budget")


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_a_form_error_and_writes_nothing(client, policy, marketing_ops, rep, reason):
    lead = handed_off(rep, marketing_ops)
    transitions, events = LeadTransition.objects.count(), SlaEvent.objects.count()
    client.force_login(rep)
    response = client.post(f"/sales/leads/{lead.pk}/reject/", {"reason": reason, "next": "/sales/leads/"})
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"] == [
        "Say why you reject this lead: marketing reads the reason."
    ]
    assert "Say why you reject this lead" in text(response)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SQL
    assert (LeadTransition.objects.count(), SlaEvent.objects.count()) == (transitions, events)


def test_after_a_reject_error_its_address_leads_back_to_the_lead_page_not_a_405(client, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    client.force_login(rep)
    posted = client.post(f"/sales/leads/{lead.pk}/reject/", {"reason": ""})
    assert posted.status_code == 400 and "Say why you reject this lead" in text(posted)
    again = client.get(f"/sales/leads/{lead.pk}/reject/")  # the address left in the bar, reloaded from it
    assert again.status_code == 302 and again["Location"] == f"/sales/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SQL


def test_after_a_form_error_the_lead_page_forms_still_lead_back_to_the_lead_page(client, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    client.force_login(rep)
    page = client.post(f"/sales/leads/{lead.pk}/reject/", {"reason": ""}).content.decode()
    assert set(re.findall(r'name="next" value="([^"]*)"', page)) == {f"/sales/leads/{lead.pk}/"}


def test_convert_on_an_accepted_lead_leads_to_the_convert_form(client, policy, marketing_ops, rep):
    lead = accepted(rep, marketing_ops)
    client.force_login(rep)
    page = client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert f'href="/leads/{lead.pk}/convert/"' in page
    assert not Opportunity.objects.filter(source_lead=lead).exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [("/sales/leads/{}/accept/", {}), ("/sales/leads/{}/reject/", {"reason": "mine now"}), ("/leads/{}/convert/", {})],
)
def test_a_rep_cannot_move_another_reps_lead(client, policy, marketing_ops, rep, other_rep, url, data):
    lead = accepted(other_rep, marketing_ops) if "convert" in url else handed_off(other_rep, marketing_ops)
    stage = lead.stage
    client.force_login(rep)
    assert client.post(url.format(lead.pk), data).status_code == 404
    lead.refresh_from_db()
    assert lead.stage == stage


def test_a_refused_move_is_a_403_that_says_why(client, policy, marketing_ops):
    lead = handed_off(UserFactory(roles=[Role.REP]), marketing_ops)
    client.force_login(marketing_ops)  # sees every lead, but accepting is sales' move
    response = client.post(f"/sales/leads/{lead.pk}/accept/", follow=True)
    assert response.status_code == 403
    assert "You may not make this lead Sales accepted." in text(response)
    assert "'sal'" not in text(response)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SQL


def test_accepting_a_lead_that_is_no_longer_handed_off_says_why(client, policy, marketing_ops, rep):
    lead = accepted(rep, marketing_ops)
    leads.lead_convert(lead_id=lead.pk, actor=rep)
    client.force_login(rep)
    response = client.post(f"/sales/leads/{lead.pk}/accept/", follow=True)
    assert "This lead is Converted to opportunity, not Sales accepted" in text(response)
    assert "'opportunity'" not in text(response) and "'sal'" not in text(response)


def test_next_must_be_a_page_of_ours(client, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    client.force_login(rep)
    response = client.post(f"/sales/leads/{lead.pk}/accept/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/sales/leads/{lead.pk}/"


# --- the lead page -------------------------------------------------------------------------------------


def test_the_lead_page_shows_the_clock_its_policy_and_the_timeline(client, frozen, policy, marketing_ops, rep):
    lead = handed_off(rep, marketing_ops)
    frozen.now = T0 + H
    leads.lead_accept(lead_id=lead.pk, actor=rep)
    client.force_login(rep)
    response = client.get(f"/sales/leads/{lead.pk}/")
    page = text(response)
    assert "Accept hand-offs: 4 working hours" in page
    assert [event.kind for event in response.context["events"]] == [SlaEvent.Kind.STARTED, SlaEvent.Kind.MET]
    assert "Stopped: met" in page


def test_the_lead_pages_timeline_names_levels_and_due_times_in_words_never_codes(client, frozen, marketing_ops, rep):
    from apps.sales_ops.sla import services

    SlaPolicyFactory(
        ladder=[
            (SlaEscalation.Level.BREACH, SlaEscalation.Recipient.OWNER, None, ""),
            (SlaEscalation.Level.AFTER_BREACH, SlaEscalation.Recipient.MANAGER, 8, ""),
        ]
    )
    rep.time_zone = "Europe/Berlin"
    rep.save()
    lead = handed_off(rep, marketing_ops)
    frozen.now = T0 + 40 * H
    services.sla_scan()
    client.force_login(rep)
    page = text(client.get(f"/sales/leads/{lead.pk}/"))
    assert "8 working hours after the breach" in page and "At the breach" in page
    assert "due Mon 23 Nov, 14:00 CET" in page  # stored as "due 2026-11-23 13:00 UTC"
    for code in ("after_breach", "+8h", "13:00 UTC"):
        assert code not in page


def test_my_leads_shows_no_template_comment(client, policy, marketing_ops, rep):
    handed_off(rep, marketing_ops)
    client.force_login(rep)
    page = text(client.get("/sales/leads/"))
    assert "{#" not in page and "The moves a lead in sql" not in page


def test_the_lead_page_offers_pause_only_when_the_policy_has_pause_reasons(client, marketing_ops, rep):
    SlaPolicyFactory(score_min=50, priority=1, pause_reasons=["waiting on the customer"])
    SlaPolicyFactory(priority=2)
    pausable, plain = handed_off(rep, marketing_ops, score=90), handed_off(rep, marketing_ops, score=10)
    client.force_login(rep)
    assert "Pause the clock" in text(client.get(f"/sales/leads/{pausable.pk}/"))
    assert "Pause the clock" not in text(client.get(f"/sales/leads/{plain.pk}/"))


def test_pause_and_resume_go_through_the_services(client, frozen, marketing_ops, rep):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    lead = handed_off(rep, marketing_ops)
    clock = SlaClock.objects.get(lead=lead)
    client.force_login(rep)
    frozen.now = T0 + H
    client.post(f"/sales/clocks/{clock.pk}/pause/", {f"clock{clock.pk}-reason": "waiting on the customer"})
    clock.refresh_from_db()
    assert (clock.state, clock.pause_reason) == (SlaClock.State.PAUSED, "waiting on the customer")
    frozen.now = T0 + 5 * H
    client.post(f"/sales/clocks/{clock.pk}/resume/")
    clock.refresh_from_db()
    assert (clock.state, clock.due_at) == (SlaClock.State.RUNNING, T0 + 8 * H)


def test_a_pause_reason_outside_the_policy_is_refused_with_a_message(client, marketing_ops, rep):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    clock = SlaClock.objects.get(lead=handed_off(rep, marketing_ops))
    client.force_login(rep)
    response = client.post(f"/sales/clocks/{clock.pk}/pause/", {f"clock{clock.pk}-reason": "lunch"}, follow=True)
    assert "Choose one of the reasons." in text(response)
    clock.refresh_from_db()
    assert clock.state == SlaClock.State.RUNNING


def test_a_rep_cannot_pause_another_reps_clock(client, marketing_ops, rep, other_rep):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    clock = SlaClock.objects.get(lead=handed_off(other_rep, marketing_ops))
    client.force_login(rep)
    response = client.post(f"/sales/clocks/{clock.pk}/pause/", {f"clock{clock.pk}-reason": "waiting on the customer"})
    assert response.status_code == 404


# --- the team view --------------------------------------------------------------------------------------


def test_the_team_view_lists_at_risk_and_breached_leads_of_the_team_by_rep(
    client, frozen, policy, marketing_ops, manager, rep, other_rep
):
    teammate = UserFactory(username="tara", roles=[Role.REP], manager=manager)
    late = handed_off(rep, marketing_ops)
    frozen.now = T0 + 2 * H
    at_risk = handed_off(teammate, marketing_ops)
    frozen.now = T0 + 4 * H
    handed_off(rep, marketing_ops)  # fresh: not shown
    handed_off(other_rep, marketing_ops)  # not in the team
    frozen.now = T0 + 5 * H + 30 * dt.timedelta(minutes=1)  # 'late' 1 h 30 over, 'at_risk' 0 h 30 left
    client.force_login(manager)
    response = client.get("/sales/team/")
    groups = {
        group["owner"].username: [row.clock.lead_id for row in group["rows"]] for group in response.context["reps"]
    }
    assert groups == {"rita": [late.pk], "tara": [at_risk.pk]}
    assert (response.context["at_risk"], response.context["breached"]) == (1, 1)


# --- compliance ------------------------------------------------------------------------------------------


@pytest.fixture
def known_hand_offs(frozen, policy, marketing_ops, manager, rep, other_rep):
    """Five stopped hand-offs on a 4 h (24/7) policy, and one still open.

    rita (no territory, reports to mgr), week 48: accepted after 1 h (met), 3 h (met), 6 h (breached).
    otto (territory North, reports to nina), week 49: rejected after 2 h (met) on Monday, and handed off late
    on Sunday to be accepted after 5 h (breached) on Monday of week 50: counted in the week it started.
    """
    other_rep.territory = TerritoryFactory(name="North", code="north")
    other_rep.manager = UserFactory(username="nina", roles=[Role.MANAGER])
    other_rep.save()

    def hand_off_and(owner, move, after, start):
        frozen.now = start
        lead = handed_off(owner, marketing_ops)
        frozen.now = start + after
        move(lead)

    def accept(owner):
        return lambda lead: leads.lead_accept(lead_id=lead.pk, actor=owner)

    def reject(owner):
        return lambda lead: leads.lead_reject(lead_id=lead.pk, actor=owner, reason="No fit")

    for hours in (1, 3, 6):
        hand_off_and(rep, accept(rep), hours * H, T0)
    hand_off_and(other_rep, reject(other_rep), 2 * H, T0 + dt.timedelta(days=7))
    hand_off_and(other_rep, accept(other_rep), 5 * H, T0 + dt.timedelta(days=13, hours=13))  # Sunday 22:00
    handed_off(rep, marketing_ops)  # still open: not counted
    frozen.now = T0 + dt.timedelta(days=15)


def line_numbers(lines) -> dict:
    return {line.label: (line.total, line.met, round(line.met_percent, 1)) for line in lines}


def test_compliance_counts_met_by_rep(client, known_hand_offs, sales_ops, rep, other_rep):
    client.force_login(sales_ops)
    by_rep = client.get("/sales/compliance/").context["by_rep"]
    assert line_numbers(by_rep) == {str(other_rep): (2, 1, 50.0), str(rep): (3, 2, 66.7)}


def test_compliance_counts_met_by_team_territory_first_then_manager(client, known_hand_offs, sales_ops, manager):
    client.force_login(sales_ops)
    by_team = client.get("/sales/compliance/").context["by_team"]
    assert line_numbers(by_team) == {"North": (2, 1, 50.0), f"Team of {manager}": (3, 2, 66.7)}


def test_compliance_counts_met_by_iso_week(client, known_hand_offs, sales_ops):
    client.force_login(sales_ops)
    by_week = client.get("/sales/compliance/").context["by_week"]
    assert line_numbers(by_week) == {"2026-W48": (3, 2, 66.7), "2026-W49": (2, 1, 50.0)}


def test_compliance_measures_median_and_p90_time_to_accept(client, known_hand_offs, sales_ops, rep, other_rep):
    client.force_login(sales_ops)
    context = client.get("/sales/compliance/").context
    # Accepted after 1, 3, 5 and 6 h (the rejected hand-off is no acceptance): nearest-rank median and p90.
    assert (context["overall"].median, context["overall"].p90) == (3 * H, 6 * H)
    assert {line.label: (line.median, line.p90) for line in context["by_rep"]} == {
        str(rep): (3 * H, 6 * H),
        str(other_rep): (5 * H, 5 * H),
    }


def test_compliance_draws_the_numbers_as_svg_bars(client, known_hand_offs, sales_ops):
    client.force_login(sales_ops)
    page = client.get("/sales/compliance/").content.decode()
    # 66.7 % of a 190-unit track, and the overall share in the summary.
    assert re.search(r'<rect class="chart-bar\s*" x="150" y="\d+" width="126.7"', page)
    assert '<span class="count" id="overall-met">60.0 %</span>' in page


def test_time_to_accept_is_working_time(client, frozen, marketing_ops, sales_ops, rep):
    calendar = BusinessCalendarFactory(name="Berlin office", timezone="Europe/Berlin")
    SlaPolicyFactory(calendar_mode=SlaPolicy.CalendarMode.FIXED, calendar=calendar)
    frozen.now = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)  # Friday 16:00 Berlin
    lead = handed_off(rep, marketing_ops)
    frozen.now = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)  # Monday 10:30 Berlin
    leads.lead_accept(lead_id=lead.pk, actor=rep)
    client.force_login(sales_ops)
    assert client.get("/sales/compliance/").context["overall"].median == dt.timedelta(hours=2, minutes=30)
