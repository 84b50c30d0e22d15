"""Outbox delivery under faults: at least once, a stable Message-ID, a short window between send and record."""

import datetime as dt
import re
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection

from apps.core.models import EmailMessage
from apps.core.services import outbox
from apps.core.tasks import outbox_flush_task

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
NOTICE = {"subject": "Lead #7 breached", "headline": "Breach", "body": "Lead #7 is late.", "link": "/leads/7/"}
# RFC 5322 msg-id in its dot-atom form: "<" dot-atom-text "@" dot-atom-text ">".
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"<{ATEXT}(\.{ATEXT})*@{ATEXT}(\.{ATEXT})*>")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no `except Exception` catches it."""


class AcceptThenFail:
    """The server stores the message, then the deliverer never learns it: `then` is raised after the accept."""

    then: BaseException | None = None
    seen_during_send: list = []

    def __init__(self, *args, **kwargs):
        self.inner = LocmemBackend(*args, **kwargs)

    def send_messages(self, messages):
        AcceptThenFail.seen_during_send.append(
            (connection.in_atomic_block, list(EmailMessage.objects.values_list("status", flat=True)))
        )
        sent = self.inner.send_messages(messages)
        if AcceptThenFail.then is not None:
            error, AcceptThenFail.then = AcceptThenFail.then, None
            raise error
        return sent

    def open(self):
        pass

    def close(self):
        pass


@pytest.fixture
def accept_then_fail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.AcceptThenFail"
    AcceptThenFail.then, AcceptThenFail.seen_during_send = None, []
    return AcceptThenFail


def enqueue(django_capture_on_commit_callbacks, key="sla-alert:rita@example.com:abc") -> EmailMessage:
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.email_enqueue(key=key, to=["rita@example.com"], template="notice", context=NOTICE)
    message.refresh_from_db()
    return message


def test_a_resend_after_a_lost_reply_carries_the_same_message_id(
    db, clock, accept_then_fail, django_capture_on_commit_callbacks
):
    accept_then_fail.then = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")  # stored, no "250"
    message = enqueue(django_capture_on_commit_callbacks)
    assert (message.status, message.attempts, len(mail.outbox)) == (EmailMessage.Status.PENDING, 1, 1)
    clock.shift(outbox._backoff(1))
    assert outbox_flush_task() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.SENT, 2)
    first, second = (m.message()["Message-ID"] for m in mail.outbox)
    assert first == second == outbox.email_message_id(message.idempotency_key)
    assert mail.outbox[0].body == mail.outbox[1].body


def test_a_claim_left_by_a_killed_worker_is_retried_after_the_timeout_with_the_same_id(
    db, clock, settings, accept_then_fail, django_capture_on_commit_callbacks
):
    accept_then_fail.then = WorkerKilled()
    with pytest.raises(WorkerKilled):
        enqueue(django_capture_on_commit_callbacks)
    message = EmailMessage.objects.get()
    assert (message.status, message.attempts, message.claimed_at) == (EmailMessage.Status.SENDING, 1, T0)
    clock.shift(dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT - 1))
    assert outbox_flush_task() == 0  # the claim may still be a live deliverer's
    clock.shift(dt.timedelta(seconds=1))
    assert outbox_flush_task() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.SENT, 2)
    assert len({m.message()["Message-ID"] for m in mail.outbox}) == 1 and len(mail.outbox) == 2


def test_a_delivered_row_is_never_sent_again_by_the_flush(db, clock, settings, django_capture_on_commit_callbacks):
    message = enqueue(django_capture_on_commit_callbacks)
    assert message.status == EmailMessage.Status.SENT
    for later in (dt.timedelta(0), dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT), dt.timedelta(days=2)):
        clock.move_to(T0 + later)
        assert outbox_flush_task() == 0
    assert outbox.email_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1


def test_the_message_id_is_a_valid_rfc_5322_id_per_key_in_the_senders_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "smops <alerts@Ops.Example.COM>"
    first = outbox.email_message_id("sla-alert:rita@example.com:0123")
    assert MSG_ID.fullmatch(first) and first.endswith("@ops.example.com>")
    assert outbox.email_message_id("sla-alert:rita@example.com:0123") == first
    assert outbox.email_message_id("sla-alert:rita@example.com:0124") != first
    settings.OUTBOX_MESSAGE_ID_DOMAIN = "mail.smops.test"
    assert outbox.email_message_id("k").endswith("@mail.smops.test>")


def test_a_sender_address_without_a_usable_domain_still_gives_a_valid_id(settings):
    settings.DEFAULT_FROM_EMAIL = "smops"
    assert MSG_ID.fullmatch(outbox.email_message_id("k"))


@pytest.mark.django_db(transaction=True)
def test_the_row_is_claimed_and_committed_before_the_send_and_sent_outside_any_transaction(accept_then_fail):
    message = outbox.email_enqueue(key="k", to=["a@example.com"], template="notice", context=NOTICE)  # autocommit
    message.refresh_from_db()
    assert accept_then_fail.seen_during_send == [(False, [EmailMessage.Status.SENDING])]
    assert message.status == EmailMessage.Status.SENT


def test_a_late_failure_does_not_undo_a_later_attempts_claim(db, clock, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = outbox.email_enqueue(key="k", to=["a@example.com"], template="notice", context=NOTICE)
    stale = outbox._claim(message.pk)
    clock.shift(dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT))
    fresh = outbox._claim(message.pk)
    outbox._record_failure(stale, smtplib.SMTPServerDisconnected("late"))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_at) == (EmailMessage.Status.SENDING, 2, fresh.claimed_at)


def test_a_message_whose_last_attempt_never_reported_back_is_given_up(
    db, clock, settings, accept_then_fail, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    for _ in range(2):  # a message that kills its worker every time
        accept_then_fail.then = WorkerKilled()
        with pytest.raises(WorkerKilled):
            if EmailMessage.objects.exists():
                outbox_flush_task()
            else:
                enqueue(django_capture_on_commit_callbacks)
        clock.shift(dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT))
    assert outbox_flush_task() == 0
    message = EmailMessage.objects.get()
    assert (message.status, message.attempts) == (EmailMessage.Status.FAILED, 2)
    assert message.last_error == "Attempt 2, claimed at 2026-11-23T09:10:00+00:00, never reported back."
    assert len(mail.outbox) == 2
