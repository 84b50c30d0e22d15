"""The SLA sender: one e-mail per recipient whatever runs at once, each lead once at the level it has reached."""

import datetime as dt
import threading
from collections import defaultdict
from unittest import mock

import pytest
import time_machine
from django.db import connection

from apps.core.factories import UserFactory
from apps.core.models import EmailMessage, Role
from apps.core.services import leads
from apps.core.tasks import outbox_flush_task
from apps.sales_ops.models import SlaDigestSubscription, SlaEscalation, SlaNotice, SlaPolicy
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from apps.sales_ops.sla.services import alerts, scan
from tests.concurrency import run_at_once
from tests.sales_ops.conftest import T0, H, handed_off

Rung = SlaEscalation
WARN_OWNER_BREACH_MANAGER = [
    (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
    (Rung.Level.BREACH, Rung.Recipient.MANAGER, None, ""),
]


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(rep, manager):
    manager.email, rep.email = "mgr@example.com", "rita@example.com"
    manager.save()
    rep.save()
    return rep


def sent() -> dict[str, EmailMessage]:
    """What the sender made of the notices, delivered, by recipient."""
    services.sla_alerts_send()
    outbox_flush_task()
    emails = list(EmailMessage.objects.order_by("id"))
    assert len({m.to[0] for m in emails}) == len(emails), "one e-mail per recipient"
    return {m.to[0]: m for m in emails}


def test_the_first_email_after_a_quiet_period_says_the_leads_were_breached_and_returned_to_marketing(
    clock, team, marketing_ops
):
    SlaPolicyFactory(on_breach=SlaPolicy.OnBreach.RECYCLE, ladder=WARN_OWNER_BREACH_MANAGER)
    lost = [handed_off(team, marketing_ops) for _ in range(3)]
    clock.move_to(T0 + 6 * H)  # nothing scanned since the hand-off: warning, breach and recycling in one scan
    services.sla_scan()
    rita = sent()["rita@example.com"]
    assert rita.subject == "SLA breached: 3 leads (3 taken away)"
    assert "will breach soon" not in rita.body_text and "Warning" not in rita.body_text
    assert rita.body_text.startswith(
        "3 leads went past their follow-up SLA. 3 of them were taken away at the breach: "
        "returned to marketing or reassigned."
    )
    for lead in lost:
        assert rita.body_text.count(f"lead #{lead.pk} ") == 1
    assert rita.body_text.count("Breached 2 h 00 min ago and returned to marketing.") == 3
    assert "Breached 2 h 00 min ago and returned to marketing" in rita.body_html


def test_a_lead_reassigned_at_breach_says_to_whom(clock, team, marketing_ops):
    queue = UserFactory(username="queue", first_name="Quinn", last_name="Queue", roles=[Role.REP])
    SlaPolicyFactory(on_breach=SlaPolicy.OnBreach.REASSIGN, queue_owner=queue, ladder=WARN_OWNER_BREACH_MANAGER)
    handed_off(team, marketing_ops)
    clock.move_to(T0 + 5 * H)
    services.sla_scan()
    rita = sent()["rita@example.com"]
    assert rita.subject == "SLA breached: 1 lead (1 taken away)"
    assert f"Breached 1 h 00 min ago and reassigned to {queue}." in rita.body_text


def test_a_breach_that_took_nothing_away_says_breached_not_taken(clock, team, marketing_ops):
    SlaPolicyFactory(ladder=WARN_OWNER_BREACH_MANAGER)
    lead = handed_off(team, marketing_ops)
    clock.move_to(T0 + 4 * H + dt.timedelta(minutes=30))
    services.sla_scan()
    rita = sent()["rita@example.com"]
    assert rita.subject == "SLA breached: 1 lead"
    assert f"- Breached: lead #{lead.pk} " in rita.body_text
    assert "Breached 0 h 30 min ago." in rita.body_text and "taken away" not in rita.body_text


def test_a_warning_still_true_when_sent_says_the_lead_will_breach_soon(clock, team, marketing_ops):
    SlaPolicyFactory(ladder=WARN_OWNER_BREACH_MANAGER)
    lead = handed_off(team, marketing_ops)
    clock.move_to(T0 + 3 * H + dt.timedelta(minutes=1))  # a level fires once its instant has passed
    services.sla_scan()
    rita = sent()["rita@example.com"]
    assert rita.subject == "SLA warning: 1 lead at risk"
    assert "1 lead will breach soon." in rita.body_text and f"- Warning: lead #{lead.pk} " in rita.body_text
    assert "0 h 59 min left" in rita.body_text


def test_a_warning_met_before_it_was_sent_is_withdrawn(clock, team, marketing_ops):
    SlaPolicyFactory(ladder=WARN_OWNER_BREACH_MANAGER)
    lead = handed_off(team, marketing_ops)
    clock.move_to(T0 + 3 * H + dt.timedelta(minutes=1))
    services.sla_scan()
    clock.move_to(T0 + 3 * H + dt.timedelta(minutes=10))  # she accepts it before the sender has run
    leads.lead_accept(lead_id=lead.pk, actor=team)
    rita = sent()["rita@example.com"]
    assert rita.subject == "SLA warning withdrawn: 1 lead met its SLA in time"
    assert "will breach soon" not in rita.body_text
    assert f"- Met in time: lead #{lead.pk} " in rita.body_text and "Met: left the stage Mon 23 Nov" in rita.body_text
    assert " left\n" not in rita.body_text and " over " not in rita.body_text  # a stopped clock counts no more


def test_notices_of_two_scans_not_yet_sent_make_one_email_listing_the_lead_at_its_latest(clock, team, marketing_ops):
    SlaPolicyFactory(
        ladder=[
            (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.OWNER, None, ""),
        ]
    )
    lead = handed_off(team, marketing_ops)
    clock.move_to(T0 + 3 * H + dt.timedelta(minutes=1))  # just past the warning instant
    services.sla_scan()
    clock.move_to(T0 + 5 * H)  # the sender was down in between
    services.sla_scan()
    (rita,) = sent().values()
    assert rita.subject == "SLA breached: 1 lead"
    assert rita.body_text.count(f"lead #{lead.pk} ") == 1
    assert set(SlaNotice.objects.values_list("email", flat=True)) == {rita.pk}


def test_the_digest_says_a_breached_lead_was_reassigned(clock, team, marketing_ops, manager):
    queue = UserFactory(username="queue", first_name="Quinn", last_name="Queue", roles=[Role.REP], manager=manager)
    SlaPolicyFactory(on_breach=SlaPolicy.OnBreach.REASSIGN, queue_owner=queue, ladder=[])
    handed_off(team, marketing_ops)
    clock.move_to(T0 + 5 * H)
    services.sla_scan()
    SlaDigestSubscription.objects.create(user=manager)
    assert services.sla_digest_send(day=T0.date()) == 1
    outbox_flush_task()
    (digest,) = EmailMessage.objects.all()
    assert f"1 h 00 min over, breached 1 h 00 min ago and reassigned to {queue}" in digest.body_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_split_a_recipients_leads(on_postgres, clock):
    marketing = UserFactory(username="m", roles=[Role.MARKETING_OPS])
    boss = UserFactory(username="boss", email="boss@example.com", roles=[Role.MANAGER])
    reps = [UserFactory(username=f"r{i}", email=f"r{i}@example.com", roles=[Role.REP], manager=boss) for i in range(5)]
    SlaPolicyFactory()  # warning to the owner; breach to owner and manager
    for i in range(30):
        handed_off(reps[i % 5], marketing)
    clock.move_to(T0 + 5 * H)
    with mock.patch.object(scan, "_queue_alerts"):  # the senders below, not the scan's own, send them
        services.sla_scan()
    assert SlaNotice.objects.filter(email__isnull=True).count() == 90

    # Small pages, so that the two senders interleave over the recipients many times.
    results = run_at_once(lambda: services.sla_alerts_send(batch_size=2))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 90 and not SlaNotice.objects.filter(email__isnull=True).exists()
    emails_of_recipient, emails_of_lead = defaultdict(set), defaultdict(set)
    for notice in SlaNotice.objects.all():
        emails_of_recipient[notice.recipient].add(notice.email_id)
        emails_of_lead[notice.recipient, notice.clock_id].add(notice.email_id)
    assert {r: len(e) for r, e in emails_of_recipient.items() if len(e) > 1} == {}
    assert [told for told, emails in emails_of_lead.items() if len(emails) > 1] == []
    outbox_flush_task()
    boss_mail = EmailMessage.objects.get(to=["boss@example.com"])
    assert boss_mail.subject == "SLA breached: 30 leads"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sender_skips_a_recipient_another_sender_holds_rather_than_take_part(on_postgres, clock, team, marketing_ops):
    SlaPolicyFactory(
        ladder=[
            (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.OWNER, None, ""),
        ]
    )
    handed_off(team, marketing_ops)
    clock.move_to(T0 + 3 * H + dt.timedelta(minutes=1))
    with mock.patch.object(scan, "_queue_alerts"):
        services.sla_scan()  # the warning
    holding, release, first = threading.Event(), threading.Event(), []
    email_notices = alerts._email_notices

    def held(notices, now):  # the first sender keeps its claim on rita open until told to finish
        if not holding.is_set():
            holding.set()
            release.wait(10)
        email_notices(notices, now)

    def first_sender():
        try:
            first.append(services.sla_alerts_send())
        finally:
            connection.close()

    with mock.patch.object(alerts, "_email_notices", held), mock.patch.object(scan, "_queue_alerts"):
        thread = threading.Thread(target=first_sender)
        thread.start()
        assert holding.wait(10)
        clock.move_to(T0 + 5 * H)
        services.sla_scan()  # the breach, while the first sender holds the warning
        assert services.sla_alerts_send() == 0  # rita is held: not the breach alone, before the warning
        release.set()
        thread.join()
    assert first == [1]
    assert services.sla_alerts_send() == 1
    assert [m.subject for m in EmailMessage.objects.order_by("id")] == [
        "SLA warning: 1 lead at risk",
        "SLA breached: 1 lead",
    ]
