"""SLA alerts through real worker, beat, Redis and SMTP processes that are killed, doubled and cut off.

Hundreds of overdue clocks; after each fault every (recipient, lead, level) the ladder promises reaches the
SMTP server, none is lost, no outbox row is left behind, no lead is split across two e-mails to one person
from one scan, and a message sent twice (the only duplicate at-least-once allows) carries the same
Message-ID both times, so mail clients collapse the twin.

The outage lengths are the issue's (Redis 30 s, SMTP 60 s); FAULTS_REDIS_DOWN and FAULTS_SMTP_DOWN (seconds)
shorten them for a quick local run.
"""

import datetime as dt
import os
import re
import time
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.factories import UserFactory
from apps.core.models import Account, Contact, EmailMessage, Lead, LeadStage, Role, WorkerHeartbeat
from apps.sales_ops.models import SlaClock, SlaEvent, SlaNotice
from apps.sales_ops.sla import services as sla
from apps.sales_ops.sla.factories import SlaPolicyFactory
from tests.faults.conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLOCKS = 800  # three notices each (warning only, for the later ones): more than the 2,000 one sender claims at once
LATER = 100  # of which these breach only while the test runs: their warning and breach come in two scans
REPS, MANAGERS = 24, 4
REDIS_DOWN = float(os.environ.get("FAULTS_REDIS_DOWN", 30))
SMTP_DOWN = float(os.environ.get("FAULTS_SMTP_DOWN", 60))
SETTLE = 150  # seconds for everything to be delivered after the last fault
LABELS = {"warning": "Warning", "breach": "Breached"}
# A lead's line in an alert's text: "- Breached: lead #12 …", its level the first word (whatever follows it).
ROW = re.compile(r"^- (\w+)[^:\n]*: lead #(\d+)\b", re.MULTILINE)


# --- the data -------------------------------------------------------------------------------------------


def overdue_clocks() -> set[tuple[str, int, str]]:
    """CLOCKS running clocks past their warning, most past their due instant, the rest due within 25 s.

    Returns what the ladder (warning to the owner; at breach the owner and their manager) promises:
    every (recipient, lead, level).
    """
    now = timezone.now()
    managers = [
        UserFactory(username=f"mgr{m}", email=f"mgr{m}@example.com", roles=[Role.MANAGER]) for m in range(MANAGERS)
    ]
    reps = [
        UserFactory(username=f"rep{r}", email=f"rep{r}@example.com", roles=[Role.REP], manager=managers[r % MANAGERS])
        for r in range(REPS)
    ]
    accounts = Account.objects.bulk_create(Account(name=f"Account {i}", domain=f"a{i}.example") for i in range(CLOCKS))
    contacts = Contact.objects.bulk_create(
        Contact(account=account, email=f"buyer@{account.domain}", first_name="Buyer", last_name=str(i))
        for i, account in enumerate(accounts)
    )
    leads = Lead.objects.bulk_create(
        Lead(contact=contact, account=contact.account, owner=reps[i % REPS], stage=LeadStage.SQL)
        for i, contact in enumerate(contacts)
    )
    policy = SlaPolicyFactory(stage=LeadStage.SQL, target=4)
    clocks = []
    for i, lead in enumerate(leads):
        later = i >= CLOCKS - LATER
        due = now + dt.timedelta(seconds=5 + 20 * (i % LATER) / LATER) if later else now - dt.timedelta(minutes=30)
        started = due - dt.timedelta(hours=4)
        clocks.append(
            SlaClock(
                lead=lead,
                policy=policy,
                stage=LeadStage.SQL,
                state=SlaClock.State.RUNNING,
                started_at=started,
                counting_since=started,
                budget=dt.timedelta(hours=4),
                target=policy.target,  # a clock runs on the terms of its start
                unit=policy.unit,
                warn_at_percent=policy.warn_at_percent,
                warn_at=due - dt.timedelta(hours=1),
                due_at=due,
                next_check_at=due - dt.timedelta(hours=1),
            )
        )
    SlaClock.objects.bulk_create(clocks)
    owner_of = {lead.pk: reps[i % REPS] for i, lead in enumerate(leads)}
    promised = set()
    for lead_id, owner in owner_of.items():
        manager = managers[reps.index(owner) % MANAGERS]
        promised |= {
            (owner.email, lead_id, "warning"),
            (owner.email, lead_id, "breach"),
            (manager.email, lead_id, "breach"),
        }
    return promised


# --- what must hold after every fault ---------------------------------------------------------------------


def everything_delivered(sink) -> bool:
    """Every clock past all its levels, every notice in an e-mail, no e-mail pending, every one sent at the server."""
    if SlaClock.objects.filter(next_check_at__isnull=False).exists():
        return False
    if SlaNotice.objects.filter(email__isnull=True).exists():
        return False
    if EmailMessage.objects.filter(status=EmailMessage.Status.PENDING).exists():
        return False
    # Rows given up on (failed) settle too: the checks below report them.
    sent = set(EmailMessage.objects.filter(status=EmailMessage.Status.SENT).values_list("idempotency_key", flat=True))
    return sent <= {message["X-Smops-Key"] for _, message in sink.messages()}


def settle(sink, processes, timeout: float = SETTLE) -> None:
    try:
        wait_until(lambda: everything_delivered(sink), timeout=timeout, interval=0.5, what="every alert delivered")
    except pytest.fail.Exception:
        pytest.fail(f"{state_of_things(sink)}\n{processes.logs()}")
    finally:
        connection.close()


def state_of_things(sink) -> str:
    return (
        f"clocks still to check: {SlaClock.objects.filter(next_check_at__isnull=False).count()}, "
        f"notices not in an e-mail: {SlaNotice.objects.filter(email__isnull=True).count()}, "
        f"e-mails by status: {list(EmailMessage.objects.values_list('status', 'attempts', 'last_error')[:20])}, "
        f"received: {len(sink.messages())}"
    )


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def faults_found(sink, promised: set[tuple[str, int, str]]) -> list[str]:
    """Every broken promise, in words (an empty list when all hold)."""
    problems = []
    # Nothing stuck: every e-mail sent, none given up on.
    stuck = list(EmailMessage.objects.exclude(status=EmailMessage.Status.SENT).values_list("idempotency_key", "status"))
    if stuck:
        problems.append(f"{len(stuck)} outbox rows not sent: {stuck[:5]}")
    # The database recorded exactly what the ladder promises (a notice per recipient, lead and level).
    notices = list(SlaNotice.objects.select_related("clock", "email"))
    recorded = {(n.recipient, n.clock.lead_id, n.level) for n in notices}
    if recorded != promised:
        problems.append(
            f"notices missing: {sorted(promised - recorded)[:5]}; not promised: {sorted(recorded - promised)[:5]}"
        )

    # What reached the server: per message key, the recipients, the Message-IDs, the leads listed and their level.
    by_key = defaultdict(list)
    for recipients, message in sink.messages():
        by_key[message["X-Smops-Key"]].append((recipients, message))
    listed = defaultdict(set)  # (recipient, lead, label) -> keys of the e-mails listing it
    for key, copies in by_key.items():
        message_ids = {message["Message-ID"] for _, message in copies}
        if len(copies) > 1 and len(message_ids) != 1:
            problems.append(
                f"e-mail {key} was sent {len(copies)} times with different Message-IDs {sorted(message_ids)}"
            )
        recipients, message = copies[0]
        rows = ROW.findall(text_of(message))
        leads = [int(lead) for _, lead in rows]
        if len(leads) != len(set(leads)):
            problems.append(f"e-mail {key} lists a lead twice")
        for recipient in recipients:
            for label, lead in rows:
                listed[(recipient, int(lead), label)].add(key)

    # None lost: each notice's lead is listed in its e-mail to its recipient, at the latest level that e-mail tells
    # of it (a warning and a breach not yet sent when the sender ran are one line: "Breached").
    latest = {}
    for n in sorted(notices, key=lambda n: n.level == "breach"):
        latest[(n.recipient, n.clock_id, n.email_id)] = n
    for n in latest.values():
        keys = listed.get((n.recipient, n.clock.lead_id, LABELS[n.level]), set())
        if n.email is None or n.email.idempotency_key not in keys:
            problems.append(f"lost: {n.level} of lead #{n.clock.lead_id} to {n.recipient}")
    # Never twice: a (recipient, lead, level) is in one e-mail (resends of that e-mail are the same e-mail).
    twice = {told: keys for told, keys in listed.items() if len(keys) > 1}
    if twice:
        problems.append(f"{len(twice)} alerts in two different e-mails, e.g. {next(iter(twice.items()))}")
    # Never split: what one scan told one recipient about one lead is in one e-mail.
    split = defaultdict(set)
    for n in notices:
        split[(n.recipient, n.clock.lead_id, n.created_at)].add(n.email_id)
    split = {told: emails for told, emails in split.items() if len(emails) > 1}
    if split:
        problems.append(f"{len(split)} leads split across e-mails to the same person, e.g. {next(iter(split.items()))}")
    return problems


def assert_alerts_kept_their_promises(sink, processes, promised) -> None:
    settle(sink, processes)
    problems = faults_found(sink, promised)
    connection.close()
    assert not problems, "\n".join(problems)


# --- the scenarios ----------------------------------------------------------------------------------------


def test_a_worker_killed_mid_scan_loses_nothing(celery_processes, smtp_sink):
    promised = overdue_clocks()
    celery_processes.beat("beat")
    celery_processes.worker("first")

    def mid_scan():
        # The scan commits a batch at a time: some clocks have their notices, others not yet.
        return SlaEvent.objects.exists() and SlaClock.objects.filter(levels_done=[]).exists()

    wait_until(mid_scan, timeout=90, interval=0.01, what="the first scan half-way")
    celery_processes.kill("first")
    assert SlaClock.objects.filter(levels_done=[]).exists(), "the scan had finished before the kill"
    celery_processes.worker("second")
    assert_alerts_kept_their_promises(smtp_sink, celery_processes, promised)


def test_a_worker_killed_mid_send_loses_nothing_and_a_resend_keeps_its_message_id(celery_processes, smtp_sink):
    promised = overdue_clocks()
    smtp_sink.hold_next()  # the server takes the next message and keeps the sender waiting for its "250"
    celery_processes.beat("beat")
    celery_processes.worker("first")
    assert smtp_sink.held.wait(timeout=90), "no e-mail was sent"
    celery_processes.kill("first")
    smtp_sink.release()
    celery_processes.worker("second")
    assert_alerts_kept_their_promises(smtp_sink, celery_processes, promised)


def test_two_workers_and_two_beats_at_once_after_a_scan_by_hand(celery_processes, smtp_sink, monkeypatch):
    promised = overdue_clocks()
    # A scan run by hand first (as ops might), its sender not queued: more notices wait than one claim takes.
    monkeypatch.setattr("apps.sales_ops.sla.services.scan._queue_alerts", lambda: None)
    sla.sla_scan()
    assert SlaNotice.objects.count() > 2000
    for name in ("beat-a", "beat-b"):
        celery_processes.beat(name)
    for name in ("worker-a", "worker-b"):
        celery_processes.worker(name)
    assert_alerts_kept_their_promises(smtp_sink, celery_processes, promised)


def test_redis_down_mid_run_loses_nothing_and_the_worker_and_beat_ride_it_out(
    celery_processes, smtp_sink, redis_server
):
    promised = overdue_clocks()
    celery_processes.beat("beat")
    celery_processes.worker("worker")
    wait_until(SlaNotice.objects.exists, timeout=90, interval=0.05, what="the first notices")
    redis_server.kill()
    time.sleep(REDIS_DOWN)
    redis_server.start()  # empty: whatever was queued is gone, and the scans must re-drive it
    assert_alerts_kept_their_promises(smtp_sink, celery_processes, promised)
    assert celery_processes.alive("worker") and celery_processes.alive("beat"), celery_processes.logs()


def test_smtp_down_for_a_minute_is_retried_until_everything_is_delivered(celery_processes, smtp_sink):
    promised = overdue_clocks()
    smtp_sink.stop()
    down_since = time.monotonic()
    celery_processes.beat("beat")
    celery_processes.worker("worker")
    wait_until(
        EmailMessage.objects.exclude(last_error="").exists,
        timeout=90,
        what="a failed delivery attempt",
    )
    time.sleep(max(0.0, SMTP_DOWN - (time.monotonic() - down_since)))
    smtp_sink.start()
    assert_alerts_kept_their_promises(smtp_sink, celery_processes, promised)
    assert EmailMessage.objects.filter(attempts__gt=1).exists(), "no delivery was retried: was the sink down?"


def test_the_worker_survives_a_broker_restart(celery_processes, redis_server):
    """Beat queues the heartbeat task every second here; the worker that takes it notes it is alive."""
    celery_processes.beat("beat")
    celery_processes.worker("worker")
    wait_until(WorkerHeartbeat.objects.exists, timeout=90, what="the worker's start-up heartbeat")
    asked_at = timezone.now() + dt.timedelta(seconds=1)
    # A running worker: it has taken a task from the broker, not only announced it is ready.
    wait_until(lambda: WorkerHeartbeat.objects.filter(seen_at__gt=asked_at).exists(), timeout=90, what="its first task")
    redis_server.kill()
    time.sleep(min(REDIS_DOWN, 10))
    redis_server.start()
    restarted_at = timezone.now()
    try:
        wait_until(
            lambda: WorkerHeartbeat.objects.filter(seen_at__gt=restarted_at).exists(),
            timeout=60,
            what="a task queued by beat after the restart, run by the worker",
        )
    except pytest.fail.Exception:
        pytest.fail(celery_processes.logs())
    assert celery_processes.alive("worker") and celery_processes.alive("beat")
