"""Lead SLAs: policy matching, clocks in business time, the scan's exactly-once alerts, breach actions."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.factories import AccountFactory, BusinessCalendarFactory, LeadFactory, TerritoryFactory, UserFactory
from apps.core.models import EmailMessage, LeadStage, Role
from apps.core.services import leads
from apps.core.tasks import outbox_flush_task
from apps.sales_ops.models import SlaClock, SlaEscalation, SlaEvent, SlaNotice, SlaPolicy
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from apps.sales_ops.sla.services import alerts
from apps.sales_ops.sla.services import scan as scan_module
from tests.concurrency import run_at_once
from tests.sales_ops.conftest import T0, H, handed_off

Rung = SlaEscalation


@pytest.fixture
def vp(db):
    return UserFactory(username="vp", email="vp@example.com", roles=[Role.MANAGER])


@pytest.fixture
def team(vp, manager, rep):
    manager.manager, manager.email = vp, "mgr@example.com"
    manager.save()
    rep.email = "rita@example.com"
    rep.save()
    return rep


def outbox() -> list[EmailMessage]:
    """The e-mails the scans' notices made, delivered (delivery itself is tested in core)."""
    services.sla_alerts_send()
    outbox_flush_task()
    return list(EmailMessage.objects.order_by("id"))


def open_clock(lead) -> SlaClock:
    return SlaClock.objects.get(lead=lead, stopped_at__isnull=True)


# --- policies ------------------------------------------------------------------------------------


def test_the_first_matching_policy_in_priority_order_wins(db):
    enterprise = AccountFactory(segment="enterprise")
    SlaPolicyFactory(name="catch-all", priority=100)
    specific = SlaPolicyFactory(name="enterprise", priority=10, segment="enterprise")
    SlaPolicyFactory(name="earlier but inactive", priority=1, active=False)
    lead = LeadFactory(stage=LeadStage.SQL, contact__account=enterprise)
    assert services.sla_policy_for(lead) == specific
    assert (
        services.sla_policy_for(LeadFactory(stage=LeadStage.SQL, contact__account__segment="smb")).name == "catch-all"
    )


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        ({"source": "event"}, True),
        ({"source": "web"}, False),
        ({"score_min": 50}, True),
        ({"score_min": 61}, False),
        ({"score_max": 59}, False),
        ({"stage": LeadStage.SAL}, False),
    ],
)
def test_policy_filters(db, filters, matches):
    policy = SlaPolicyFactory(**filters)
    lead = LeadFactory(stage=LeadStage.SQL, source="event", score=60)
    assert policy.matches(lead) is matches


def test_a_territory_policy_matches_only_that_territory(db):
    emea, na = TerritoryFactory(code="emea"), TerritoryFactory(code="na")
    policy = SlaPolicyFactory(territory=emea)
    assert policy.matches(LeadFactory(stage=LeadStage.SQL, contact__account__territory=emea))
    assert not policy.matches(LeadFactory(stage=LeadStage.SQL, contact__account__territory=na))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": 0}, "target"),
        ({"warn_at_percent": 100}, "warn_at_percent"),
        ({"warn_at_percent": 0}, "warn_at_percent"),
        ({"score_min": 80, "score_max": 20}, "score_max"),
        ({"on_breach": "reassign"}, "queue_owner"),
        ({"calendar_mode": "fixed"}, "calendar"),
        ({"pause_reasons": "waiting"}, "pause_reasons"),
    ],
)
def test_bad_policies_are_refused_with_the_field_named(db, fields, message):
    policy = SlaPolicy(**{"name": "bad", "stage": LeadStage.SQL, "target": 4, **fields})
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert message in caught.value.message_dict


def test_an_escalation_to_nobody_is_refused(db):
    rung = SlaEscalation(policy=SlaPolicyFactory(), level="breach", recipient="address", email="")
    with pytest.raises(ValidationError, match="reach nobody"):
        rung.full_clean()


# --- clocks --------------------------------------------------------------------------------------


def test_handoff_starts_a_clock_with_due_and_warning_instants(frozen, team, marketing_ops):
    SlaPolicyFactory(target=4, warn_at_percent=75)
    clock = open_clock(handed_off(team, marketing_ops))
    assert (clock.started_at, clock.warn_at, clock.due_at) == (T0, T0 + 3 * H, T0 + 4 * H)
    assert clock.state == SlaClock.State.RUNNING
    assert clock.next_check_at == clock.warn_at
    assert [(e.kind, e.actor) for e in clock.events.all()] == [(SlaEvent.Kind.STARTED, marketing_ops)]


def test_the_clock_counts_in_the_territory_calendar(frozen, team, marketing_ops):
    calendar = BusinessCalendarFactory(name="UTC office", timezone="UTC")  # Mon–Fri 09–17
    territory = TerritoryFactory(calendar=calendar)
    SlaPolicyFactory(target=4, calendar_mode=SlaPolicy.CalendarMode.TERRITORY)
    frozen.now = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)  # Friday 15:00
    clock = open_clock(handed_off(team, marketing_ops, contact__account__territory=territory))
    assert clock.due_at == dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)  # Monday 11:00
    assert clock.calendar == calendar


def test_an_ungoverned_stage_starts_no_clock(team, marketing_ops):
    SlaPolicyFactory(stage=LeadStage.SAL)
    assert not SlaClock.objects.filter(lead=handed_off(team, marketing_ops)).exists()


@pytest.mark.parametrize(
    ("offset", "state"), [(-1, SlaClock.State.MET), (0, SlaClock.State.MET), (1, SlaClock.State.BREACHED)]
)
def test_accepting_around_the_due_instant(frozen, team, marketing_ops, offset, state):
    SlaPolicyFactory(target=4)
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 4 * H + dt.timedelta(seconds=offset)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    clock = SlaClock.objects.get(lead=lead, stage=LeadStage.SQL)
    assert (clock.state, clock.stopped_at) == (state, frozen.now)


def test_accepting_starts_the_next_stages_clock(frozen, team, marketing_ops):
    SlaPolicyFactory(target=4)
    SlaPolicyFactory(name="convert", stage=LeadStage.SAL, target=5, unit=SlaPolicy.Unit.DAYS)
    lead = handed_off(team, marketing_ops)
    leads.lead_accept(lead_id=lead.pk, actor=team)
    assert open_clock(lead).stage == LeadStage.SAL
    assert open_clock(lead).due_at == T0 + 5 * 24 * H


def test_a_failed_move_starts_and_stops_nothing(frozen, team, marketing_ops, other_rep):
    SlaPolicyFactory()
    lead = handed_off(team, marketing_ops)
    with pytest.raises(ApplicationError):
        leads.lead_accept(lead_id=lead.pk, actor=other_rep)
    assert open_clock(lead).state == SlaClock.State.RUNNING


def test_pause_stops_the_count_and_resume_moves_the_due_instant(frozen, team, marketing_ops):
    SlaPolicyFactory(target=4, pause_reasons=["waiting on the customer"])
    clock = open_clock(handed_off(team, marketing_ops))
    frozen.now = T0 + 1 * H
    services.sla_clock_pause(clock_id=clock.pk, reason="waiting on the customer", actor=team)
    frozen.now = T0 + 3 * H + 2 * H  # two hours after the warning point would have been
    assert services.sla_scan() == 0
    resumed = services.sla_clock_resume(clock_id=clock.pk, actor=team)
    assert resumed.due_at == frozen.now + 3 * H
    assert resumed.warn_at == frozen.now + 2 * H
    assert [e.kind for e in resumed.events.all()][-2:] == [SlaEvent.Kind.PAUSED, SlaEvent.Kind.RESUMED]


def test_a_pause_reason_the_policy_does_not_know_is_refused(frozen, team, marketing_ops):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    clock = open_clock(handed_off(team, marketing_ops))
    with pytest.raises(ApplicationError, match="Not a pause reason"):
        services.sla_clock_pause(clock_id=clock.pk, reason="lunch", actor=team)


def test_reassigning_keeps_the_clock_and_tells_the_new_owner(frozen, team, marketing_ops, sales_ops):
    SlaPolicyFactory(ladder=[(Rung.Level.BREACH, Rung.Recipient.OWNER, None, "")])
    lead = handed_off(team, marketing_ops)
    clock = open_clock(lead)
    newcomer = UserFactory(username="nina", email="nina@example.com", roles=[Role.REP])
    leads.lead_reassign(lead_id=lead.pk, owner=newcomer, actor=sales_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    assert open_clock(lead) == clock
    assert [m.to for m in outbox()] == [["nina@example.com"]]


# --- the scan ------------------------------------------------------------------------------------


def test_the_warning_tells_the_owner_once(frozen, team, marketing_ops):
    SlaPolicyFactory()
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 3 * H + dt.timedelta(minutes=1)  # a level fires once its instant has passed
    assert services.sla_scan() == 1
    assert services.sla_scan() == 0
    assert [(m.to, m.subject) for m in outbox()] == [(["rita@example.com"], "SLA warning: 1 lead at risk")]
    assert open_clock(lead).next_check_at == T0 + 4 * H


def test_the_breach_tells_owner_and_manager_and_marks_the_clock(frozen, team, marketing_ops):
    SlaPolicyFactory()
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 4 * H + dt.timedelta(minutes=30)
    services.sla_scan()
    clock = open_clock(lead)
    assert (clock.state, clock.breached_at, clock.next_check_at) == (SlaClock.State.BREACHED, T0 + 4 * H, None)
    recipients = sorted(r for m in outbox() for r in m.to)
    # The owner gets the warning and the breach in one message: both came due in the same scan.
    assert recipients == ["mgr@example.com", "rita@example.com"]
    body = next(m for m in outbox() if m.to == ["mgr@example.com"]).body_text
    assert f"lead #{lead.pk}" in body and "0 h 30 min over" in body and "/sales/leads/" in body


def test_a_manager_with_many_breaches_gets_one_message(frozen, team, marketing_ops):
    SlaPolicyFactory(ladder=[(Rung.Level.BREACH, Rung.Recipient.MANAGER, None, "")])
    for _ in range(5):
        handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    assert len(outbox()) == 1
    assert outbox()[0].subject == "SLA breached: 5 leads"
    assert SlaNotice.objects.count() == 5


def test_escalation_after_breach_climbs_the_chain(frozen, team, marketing_ops):
    SlaPolicyFactory(
        ladder=[
            (Rung.Level.BREACH, Rung.Recipient.MANAGER, None, ""),
            (Rung.Level.AFTER_BREACH, Rung.Recipient.SECOND_MANAGER, 2, ""),
            (Rung.Level.AFTER_BREACH, Rung.Recipient.ADDRESS, 8, "salesops@example.com"),
        ]
    )
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    frozen.now = T0 + 6 * H + dt.timedelta(minutes=1)  # a level fires once its instant has passed
    services.sla_scan()
    frozen.now = T0 + 12 * H + dt.timedelta(minutes=1)
    services.sla_scan()
    assert [m.to for m in outbox()] == [["mgr@example.com"], ["vp@example.com"], ["salesops@example.com"]]
    kinds = [e.kind for e in open_clock(lead).events.all()]
    assert kinds.count(SlaEvent.Kind.ESCALATION) == 2


def test_recycle_at_final_breach(frozen, team, marketing_ops):
    SlaPolicyFactory(on_breach=SlaPolicy.OnBreach.RECYCLE)
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_reason) == (LeadStage.RECYCLED, "SLA breached")
    clock = SlaClock.objects.get(lead=lead)
    assert (clock.state, clock.stopped_at is not None) == (SlaClock.State.BREACHED, True)
    assert SlaEvent.Kind.RECYCLED in [e.kind for e in clock.events.all()]


def test_reassign_at_final_breach(frozen, team, marketing_ops):
    queue = UserFactory(username="queue", email="queue@example.com", roles=[Role.REP])
    SlaPolicyFactory(on_breach=SlaPolicy.OnBreach.REASSIGN, queue_owner=queue)
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    lead.refresh_from_db()
    assert (lead.owner, lead.stage) == (queue, LeadStage.SQL)


def test_a_scan_killed_half_way_leaves_everything_for_the_next(frozen, team, marketing_ops):
    SlaPolicyFactory()
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    insert_rows = scan_module.insert_rows

    def killed_at_the_notices(model, fields, rows):
        if model is SlaNotice:
            raise RuntimeError("worker killed")
        return insert_rows(model, fields, rows)

    with mock.patch.object(scan_module, "insert_rows", killed_at_the_notices), pytest.raises(RuntimeError):
        services.sla_scan()
    assert not SlaNotice.objects.exists()
    assert not SlaEvent.objects.exclude(kind=SlaEvent.Kind.STARTED).exists()
    assert open_clock(lead).state == SlaClock.State.RUNNING
    services.sla_scan()
    assert SlaNotice.objects.count() == 3  # warning to the owner, breach to owner and manager
    assert len(outbox()) == 2


def test_a_sender_killed_half_way_leaves_the_notices_for_the_next(frozen, team, marketing_ops):
    SlaPolicyFactory()
    handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    with (
        mock.patch.object(alerts, "email_enqueue_many", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        services.sla_alerts_send()
    assert not EmailMessage.objects.exists()
    assert services.sla_alerts_send() == 3
    assert services.sla_alerts_send() == 0
    assert sorted(m.to[0] for m in outbox()) == ["mgr@example.com", "rita@example.com"]


def test_the_scan_query_count_does_not_grow_with_due_clocks(frozen, team, marketing_ops):
    SlaPolicyFactory(ladder=[(Rung.Level.BREACH, Rung.Recipient.MANAGER, None, "")])

    def queries_of_a_scan_with(due: int) -> int:
        for _ in range(due):
            handed_off(team, marketing_ops)
        frozen.now += 10 * H
        with (
            mock.patch("apps.core.services.outbox.transaction.on_commit"),
            connection.execute_wrapper(counter := QueryCounter()),
        ):
            assert services.sla_scan() == due
        return counter.count

    assert queries_of_a_scan_with(3) == queries_of_a_scan_with(20)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def test_the_digest_lists_the_teams_open_breaches_once_a_day(frozen, team, marketing_ops, manager):
    from apps.sales_ops.models import SlaDigestSubscription

    SlaPolicyFactory(ladder=[])
    handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    SlaDigestSubscription.objects.create(user=manager)
    assert services.sla_digest_send(day=frozen.now.date()) == 1
    services.sla_digest_send(day=frozen.now.date())
    assert [m.to for m in outbox()] == [["mgr@example.com"]]
    assert "1 lead in your team is past" in outbox()[0].body_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_send_each_alert_once(on_postgres, frozen):
    marketing = UserFactory(username="m", roles=[Role.MARKETING_OPS])
    manager = UserFactory(username="boss", email="boss@example.com", roles=[Role.MANAGER])
    reps = [
        UserFactory(username=f"r{i}", email=f"r{i}@example.com", roles=[Role.REP], manager=manager) for i in range(4)
    ]
    SlaPolicyFactory()
    for i in range(40):
        handed_off(reps[i % 4], marketing)
    frozen.now = T0 + 5 * H
    results = run_at_once(lambda: services.sla_scan(batch_size=7))
    results += run_at_once(lambda: services.sla_alerts_send(batch_size=11))
    assert not [r for r in results if isinstance(r, Exception)], results
    # 40 warnings and 40 breaches to the owners, 40 breaches to the manager: each exactly once.
    assert SlaNotice.objects.count() == 120
    assert SlaEvent.objects.filter(kind=SlaEvent.Kind.BREACH).count() == 40
    told = sorted((n.clock_id, n.level, n.recipient) for n in SlaNotice.objects.all())
    assert len(told) == len(set(told))
    assert all(n.email_id for n in SlaNotice.objects.all())


def test_a_lead_that_passed_two_levels_at_once_is_listed_once_at_the_latest(frozen, team, marketing_ops):
    SlaPolicyFactory(
        ladder=[
            (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.OWNER, None, ""),
        ]
    )
    lead = handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    services.sla_scan()
    (message,) = outbox()
    assert message.subject == "SLA breached: 1 lead"
    assert message.body_text.count(f"lead #{lead.pk}") == 1
    assert SlaNotice.objects.count() == 2


def test_due_times_are_shown_in_each_recipients_zone_and_named(frozen, team, marketing_ops):
    calendar = BusinessCalendarFactory(name="Berlin", timezone="Europe/Berlin")
    SlaPolicyFactory(
        calendar_mode=SlaPolicy.CalendarMode.FIXED,
        calendar=calendar,
        ladder=[
            (Rung.Level.BREACH, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.ADDRESS, None, "sales-ops@example.com"),
        ],
    )
    team.time_zone = "America/New_York"
    team.save()
    handed_off(team, marketing_ops)  # Monday 09:00 UTC = 10:00 in Berlin; due 4 working hours later, 14:00
    frozen.now = T0 + 6 * H
    services.sla_scan()
    by_address = {message.to[0]: message.body_text for message in outbox()}
    # The rep's own zone; an address that is nobody's: the clock's calendar zone. Working time is Berlin's either way.
    assert "Due Mon 23 Nov, 08:00 EST" in by_address["rita@example.com"]
    assert "Times are in the America/New_York time zone" in by_address["rita@example.com"]
    assert "Due Mon 23 Nov, 14:00 CET" in by_address["sales-ops@example.com"]
    assert "Times are in the Europe/Berlin time zone" in by_address["sales-ops@example.com"]


# --- property: pauses never cost or give working time ---------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
DST_CHANGES = [
    dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    zone=st.sampled_from(ZONES),
    near=st.sampled_from(DST_CHANGES),
    offset_minutes=st.integers(-3 * 24 * 60, 3 * 24 * 60),
    target=st.integers(1, 30),
    holidays=st.sets(st.integers(-5, 10), max_size=3),
    pauses=st.lists(st.tuples(st.integers(1, 8 * 60), st.integers(1, 4 * 24 * 60)), max_size=3),
)
def test_a_clock_is_due_when_its_target_of_working_time_has_run(
    frozen, team, marketing_ops, zone, near, offset_minutes, target, holidays, pauses
):
    from apps.core import business_time
    from apps.core.models import Holiday

    start = near + dt.timedelta(minutes=offset_minutes)
    calendar = BusinessCalendarFactory(name=f"cal-{SlaPolicy.objects.count()}", timezone=zone)  # Mon–Fri 9–17
    Holiday.objects.bulk_create(
        Holiday(calendar=calendar, date=near.date() + dt.timedelta(days=d), name="off") for d in holidays
    )
    SlaPolicy.objects.update(active=False)
    SlaPolicyFactory(
        target=target,
        calendar_mode=SlaPolicy.CalendarMode.FIXED,
        calendar=calendar,
        pause_reasons=["waiting on the customer"],
        ladder=[],
    )
    frozen.now = start
    clock = open_clock(handed_off(team, marketing_ops))
    schedule, runs, run_start = calendar.schedule(), [], start
    for run_minutes, pause_minutes in pauses:
        frozen.now += dt.timedelta(minutes=run_minutes)
        if frozen.now >= clock.due_at:
            break
        services.sla_clock_pause(clock_id=clock.pk, reason="waiting on the customer", actor=team)
        runs.append((run_start, frozen.now))
        frozen.now += dt.timedelta(minutes=pause_minutes)
        clock = services.sla_clock_resume(clock_id=clock.pk, actor=team)
        run_start = frozen.now
    runs.append((run_start, clock.due_at))
    worked = sum((business_time.working_time_between(schedule, a, b) for a, b in runs), dt.timedelta(0))
    assert worked == dt.timedelta(hours=target)
    assert clock.warn_at <= clock.due_at


def test_only_the_owner_their_managers_or_sales_ops_may_pause(frozen, team, marketing_ops, other_rep, manager):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    clock = open_clock(handed_off(team, marketing_ops))
    for outsider in (other_rep, marketing_ops):
        with pytest.raises(ActionForbidden):
            services.sla_clock_pause(clock_id=clock.pk, reason="waiting on the customer", actor=outsider)
    services.sla_clock_pause(clock_id=clock.pk, reason="waiting on the customer", actor=manager)
    with pytest.raises(ActionForbidden):
        services.sla_clock_resume(clock_id=clock.pk, actor=other_rep)
    assert SlaClock.objects.get(pk=clock.pk).state == SlaClock.State.PAUSED


def test_the_scan_queues_the_sender_after_it_commits(frozen, team, marketing_ops, django_capture_on_commit_callbacks):
    SlaPolicyFactory()
    handed_off(team, marketing_ops)
    frozen.now = T0 + 5 * H
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.sla_scan()
    assert not EmailMessage.objects.exists()  # nothing sent before the commit
    for callback in callbacks:
        callback()  # the sender task, run inline (Celery is eager in tests)
    assert sorted(m.to[0] for m in EmailMessage.objects.all()) == ["mgr@example.com", "rita@example.com"]


def test_the_scan_costs_the_same_queries_for_2_or_12_due_clocks(frozen, team, marketing_ops):
    from django.test.utils import CaptureQueriesContext

    SlaPolicyFactory(
        ladder=[
            (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.MANAGER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.SECOND_MANAGER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.ADDRESS, None, "desk@example.com"),
        ]
    )

    def queries_to_scan(count: int, start: dt.datetime) -> int:
        frozen.now = start
        for n in range(count):  # each lead with an owner of its own, under the same manager
            owner = UserFactory(
                username=f"o{start.day}-{n}", email=f"o{n}@example.com", manager=team.manager, roles=[Role.REP]
            )
            handed_off(owner, marketing_ops)
        frozen.now = start + 5 * H  # warning and breach both passed
        with CaptureQueriesContext(connection) as queries:
            assert services.sla_scan() == count
        return len(queries)

    few = queries_to_scan(2, T0)
    assert queries_to_scan(12, T0 + 24 * H) == few
    notices = set(SlaNotice.objects.values_list("clock__lead__owner__email", "level", "recipient"))
    assert ("o11@example.com", "warning", "o11@example.com") in notices
    assert ("o11@example.com", "breach", "mgr@example.com") in notices
    assert ("o11@example.com", "breach", "vp@example.com") in notices
    assert ("o11@example.com", "breach", "desk@example.com") in notices
