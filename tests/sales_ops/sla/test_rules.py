"""The SLA's rules at their edges: the due instant itself, pausing an overdue clock, and the terms a clock runs on."""

import datetime as dt

import pytest
import time_machine

from apps.core.exceptions import ApplicationError
from apps.core.factories import BusinessCalendarFactory
from apps.core.models import EmailMessage, LeadStage
from apps.core.services import leads
from apps.core.tasks import outbox_flush_task
from apps.sales_ops.models import SlaClock, SlaEvent, SlaNotice, SlaPolicy
from apps.sales_ops.sla import selectors as selectors
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from tests.sales_ops.conftest import T0, H, handed_off

SECOND = dt.timedelta(seconds=1)
DUE = T0 + 4 * H  # the default policy: 4 hours around the clock, warning at 75 %
REASON = "waiting on the customer"


@pytest.fixture
def clock_at():
    """Every clock the process reads stands at T0 until moved with `clock_at.move_to(...)`."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(manager, rep):
    manager.email, rep.email = "mgr@example.com", "rita@example.com"
    manager.save()
    rep.save()
    return rep


@pytest.fixture
def policy(db):
    return SlaPolicyFactory(name="Accept hand-offs", target=4, pause_reasons=[REASON])


def sql_clock(lead) -> SlaClock:
    return SlaClock.objects.get(lead=lead, stage=LeadStage.SQL)


def breach_notices(lead) -> list[str]:
    return list(SlaNotice.objects.filter(clock__lead=lead, level="breach").values_list("recipient", flat=True))


def paused_after_its_due_instant(lead, at: dt.datetime) -> SlaClock:
    """A clock paused after its due instant, as the service allowed before it refused that (data of the past)."""
    clock = sql_clock(lead)
    used = clock.budget + (at - clock.due_at)
    SlaClock.objects.filter(pk=clock.pk).update(
        state=SlaClock.State.PAUSED, paused_at=at, pause_reason=REASON, used_before_pause=used, next_check_at=None
    )
    return sql_clock(lead)


# --- the due instant: one rule for the scan and the stop -----------------------------------------


def test_a_scan_at_the_due_instant_then_an_accept_at_it_is_met(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE)
    services.sla_scan()
    assert sql_clock(lead).state == SlaClock.State.RUNNING
    leads.lead_accept(lead_id=lead.pk, actor=team)
    clock = sql_clock(lead)
    assert (clock.state, clock.breached_at) == (SlaClock.State.MET, None)
    assert breach_notices(lead) == []


def test_an_accept_at_the_due_instant_then_a_scan_is_met(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    services.sla_scan()
    clock = sql_clock(lead)
    assert (clock.state, clock.breached_at) == (SlaClock.State.MET, None)
    assert breach_notices(lead) == []


def test_a_scan_a_second_after_the_due_instant_breaches(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE + SECOND)
    services.sla_scan()
    assert (sql_clock(lead).state, sql_clock(lead).breached_at) == (SlaClock.State.BREACHED, DUE)
    assert sorted(breach_notices(lead)) == ["mgr@example.com", "rita@example.com"]


def test_an_accept_a_second_after_the_due_instant_the_scan_missed_is_breached(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE + SECOND)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    assert (sql_clock(lead).state, sql_clock(lead).breached_at) == (SlaClock.State.BREACHED, DUE)


def test_the_warning_fires_only_after_its_instant(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(T0 + 3 * H)
    assert services.sla_scan() == 0
    clock_at.move_to(T0 + 3 * H + SECOND)
    assert services.sla_scan() == 1
    assert sql_clock(lead).levels_done == ["warning"]


def test_the_countdown_at_the_due_instant_is_not_over(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE)
    [row] = selectors.lead_clock_rows(user=team, lead=lead, now=DUE)
    assert (row.countdown.over, row.countdown.text) == (False, "0 h 00 min left")
    [row] = selectors.lead_clock_rows(user=team, lead=lead, now=DUE + SECOND)
    assert row.countdown.over


def test_a_clock_past_its_due_instant_is_over_at_night_when_no_working_time_passes(clock_at, team, marketing_ops):
    calendar = BusinessCalendarFactory(name="UTC office", timezone="UTC")  # Mon–Fri 09–17
    SlaPolicyFactory(target=4, calendar_mode=SlaPolicy.CalendarMode.FIXED, calendar=calendar)
    clock_at.move_to(T0 + 4 * H)  # Monday 13:00: due at 17:00, the end of the working day
    lead = handed_off(team, marketing_ops)
    [row] = selectors.lead_clock_rows(user=team, lead=lead, now=T0 + 10 * H)  # 19:00: no working time left, none over
    assert row.countdown.left == dt.timedelta(0)
    assert (row.countdown.over, row.countdown.cue) == (True, "red")


# --- pausing a clock that has run out -------------------------------------------------------------


def test_pausing_a_clock_past_its_due_instant_is_refused_before_the_scan_noticed(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE + 30 * dt.timedelta(minutes=1))
    with pytest.raises(ApplicationError, match="past its due instant cannot be paused") as refused:
        services.sla_clock_pause(clock_id=sql_clock(lead).pk, reason=REASON, actor=team)
    assert refused.value.code == "overdue"
    assert "Mon 23 Nov, 13:00 UTC" in refused.value.message
    assert sql_clock(lead).state == SlaClock.State.RUNNING
    assert not SlaEvent.objects.filter(kind=SlaEvent.Kind.PAUSED).exists()


def test_pausing_at_the_due_instant_is_still_in_time(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE)
    services.sla_clock_pause(clock_id=sql_clock(lead).pk, reason=REASON, actor=team)
    clock_at.move_to(DUE + 2 * H)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    assert sql_clock(lead).state == SlaClock.State.MET


def test_the_api_refuses_pausing_an_overdue_clock_with_the_reason(clock_at, team, marketing_ops, policy, api):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(DUE + H)
    response = api.as_user(team).post(f"/api/v1/sla/clocks/{sql_clock(lead).pk}/pause/", {"reason": REASON})
    assert response.status_code == 400
    assert "cannot be paused" in str(response.json())
    assert sql_clock(lead).state == SlaClock.State.RUNNING


def test_resuming_a_clock_paused_after_its_due_instant_keeps_the_due_instant(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock = paused_after_its_due_instant(lead, DUE + 30 * dt.timedelta(minutes=1))
    clock_at.move_to(DUE + 2 * H)
    resumed = services.sla_clock_resume(clock_id=clock.pk, actor=team)
    assert (resumed.state, resumed.due_at) == (SlaClock.State.RUNNING, DUE)
    assert resumed.next_check_at is not None and resumed.next_check_at < DUE + 2 * H


def test_the_scan_breaches_a_clock_resumed_after_its_due_instant(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock = paused_after_its_due_instant(lead, DUE + 30 * dt.timedelta(minutes=1))
    clock_at.move_to(DUE + 2 * H)
    services.sla_clock_resume(clock_id=clock.pk, actor=team)
    services.sla_scan()
    assert (sql_clock(lead).state, sql_clock(lead).breached_at) == (SlaClock.State.BREACHED, DUE)
    assert sorted(breach_notices(lead)) == ["mgr@example.com", "rita@example.com"]


def test_accepting_while_paused_after_the_due_instant_is_breached(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    paused_after_its_due_instant(lead, DUE + 30 * dt.timedelta(minutes=1))
    clock_at.move_to(DUE + 2 * H)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    clock = sql_clock(lead)
    assert (clock.state, clock.breached_at) == (SlaClock.State.BREACHED, DUE)
    assert clock.events.last().kind == SlaEvent.Kind.STOPPED_BREACHED


def test_accepting_while_paused_in_time_is_met_however_long_the_pause(clock_at, team, marketing_ops, policy):
    lead = handed_off(team, marketing_ops)
    clock_at.move_to(T0 + H)
    services.sla_clock_pause(clock_id=sql_clock(lead).pk, reason=REASON, actor=team)
    clock_at.move_to(T0 + 30 * H)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    assert sql_clock(lead).state == SlaClock.State.MET


# --- a clock runs on the terms it started with ----------------------------------------------------


@pytest.fixture
def edited(clock_at, team, marketing_ops, policy, sales_ops):
    """A lead handed off under a 4 working hours target, then the policy edited to 6 hours and a warning at 50 %."""
    lead = handed_off(team, marketing_ops)
    services.sla_policy_save(policy=policy, data={"target": 6, "warn_at_percent": 50})
    return lead


def test_a_running_clock_keeps_the_terms_it_started_with(edited):
    clock = sql_clock(edited)
    assert (clock.target, clock.unit, clock.warn_at_percent) == (4, SlaPolicy.Unit.HOURS, 75)
    assert (clock.target_text, clock.due_at) == ("4 working hours", DUE)


def test_a_clock_started_after_the_edit_runs_on_the_new_terms(edited, team, marketing_ops):
    clock = sql_clock(handed_off(team, marketing_ops))
    assert (clock.target_text, clock.warn_at_percent, clock.due_at) == ("6 working hours", 50, T0 + 6 * H)


def test_the_lead_page_shows_the_clocks_own_target(edited, team, client):
    client.force_login(team)
    page = client.get(f"/sales/leads/{edited.pk}/").content.decode()
    assert "Accept hand-offs: 4 working hours, warn at 75 %" in page
    assert "6 working hours" not in page


def test_the_api_shows_the_clocks_own_target(edited, team, api):
    clock = api.as_user(team).get(f"/api/v1/sla/clocks/{sql_clock(edited).pk}/").json()
    assert (clock["target"], clock["unit"], clock["warn_at_percent"]) == (4, "hours", 75)


def test_the_alert_shows_the_clocks_own_target(edited, clock_at):
    clock_at.move_to(DUE + H)
    services.sla_scan()
    services.sla_alerts_send()
    outbox_flush_task()
    [body] = [message.body_text for message in EmailMessage.objects.all() if message.to == ["mgr@example.com"]]
    assert "Policy: Accept hand-offs (4 working hours)" in body
    assert "6 working hours" not in body


def test_resuming_places_the_warning_by_the_clocks_own_warning_point(edited, team, clock_at):
    clock = sql_clock(edited)
    clock_at.move_to(T0 + H)
    services.sla_clock_pause(clock_id=clock.pk, reason=REASON, actor=team)
    clock_at.move_to(T0 + 10 * H)
    resumed = services.sla_clock_resume(clock_id=clock.pk, actor=team)
    # 75 % of 4 hours is 3 hours, 1 used before the pause: the warning 2 hours after the resume, due 3 after it.
    assert (resumed.warn_at, resumed.due_at) == (T0 + 12 * H, T0 + 13 * H)
