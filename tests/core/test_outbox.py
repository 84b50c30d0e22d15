"""The e-mail outbox: one row per key, delivery after commit, retries with backoff, never a resend."""

import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.core.models import EmailMessage
from apps.core.services import outbox
from apps.core.tasks import outbox_flush_task
from tests.concurrency import run_at_once

NOTICE = {"subject": "Lead #7 breached", "headline": "Breach", "body": "Lead #7 is late.", "link": "/leads/7/"}


def enqueue(key="k-1", to=("ann@example.com",)):
    return outbox.email_enqueue(key=key, to=list(to), template="notice", context=NOTICE)


def test_enqueue_renders_the_subject_and_keeps_the_context(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue()
    message.refresh_from_db()
    assert (message.subject, message.template, message.context) == ("Lead #7 breached", "notice", NOTICE)
    assert message.body_text == ""  # rendered by delivery, so that enqueuing many stays quick


def test_a_message_queued_at_a_pinned_instant_is_due_then(db, django_capture_on_commit_callbacks):
    # Issue 9: tests pin time with time-machine, which also moves model defaults; a patched `timezone.now` did not.
    long_ago = dt.datetime(2020, 2, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(long_ago, tick=False), django_capture_on_commit_callbacks(execute=False):
        message = enqueue()
        assert outbox_flush_task() == 1
    message.refresh_from_db()
    assert (message.status, message.sent_at) == (EmailMessage.Status.SENT, long_ago)


def test_delivery_renders_text_and_html_and_keeps_them(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert "Lead #7 is late." in message.body_text and "/leads/7/" in message.body_text
    assert "<h2" in message.body_html
    assert mail.outbox[0].body == message.body_text


def test_a_broken_template_is_a_failed_attempt_not_a_lost_message(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.email_enqueue(key="k-2", to=["a@example.com"], template="notice", context=NOTICE)
    EmailMessage.objects.filter(pk=message.pk).update(
        template="no_such_template", body_text="", status=EmailMessage.Status.PENDING
    )
    assert outbox.email_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.PENDING, 2)
    assert "TemplateDoesNotExist" in message.last_error


def test_the_same_key_twice_stores_one_row_and_sends_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue()
        second = enqueue()
    assert first.pk == second.pk
    assert EmailMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_is_sent_before_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue()
    assert len(mail.outbox) == 0
    assert len(callbacks) == 1


def test_delivery_marks_the_row_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(to=["b@example.com", "a@example.com", "a@example.com"])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.SENT, 1)
    assert mail.outbox[0].to == ["a@example.com", "b@example.com"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_a_sent_row_is_never_sent_again(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    assert outbox.email_deliver(message_id=message.pk) is False
    assert outbox_flush_task() == 0
    assert len(mail.outbox) == 1


class FlakyBackend:
    """Fails while `failures` is positive, then delivers to the locmem outbox."""

    failures = 0

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server down")
        return self.inner.send_messages(messages)

    def open(self):
        pass

    def close(self):
        pass


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = 1
    return FlakyBackend


def test_a_failing_backend_is_retried_after_a_backoff(db, flaky, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.PENDING, 1)
    assert "SMTP server down" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert outbox_flush_task() == 0  # not due yet
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_flush_task() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (EmailMessage.Status.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_is_capped():
    assert [outbox._backoff(n) for n in (1, 2, 3)] == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert outbox._backoff(30) == outbox.BACKOFF_MAX


def test_giving_up_after_the_last_attempt(db, flaky, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    flaky.failures = 5
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_flush_task()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.FAILED, 2)
    outbox.email_retry(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (EmailMessage.Status.PENDING, 0)


def test_a_row_whose_task_was_lost_is_sent_by_the_flush(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the delivery task
        enqueue()
    assert outbox_flush_task() == 1
    assert len(mail.outbox) == 1


def test_delivery_through_a_real_smtp_server(db, settings, django_capture_on_commit_callbacks):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = False
        with django_capture_on_commit_callbacks(execute=True):
            message = enqueue()
    finally:
        controller.stop()
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT
    assert len(received) == 1
    assert received[0]["Subject"] == "Lead #7 breached"
    assert received[0]["X-Smops-Key"] == "k-1"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enqueues_of_one_key_store_one_row(on_postgres):
    results = run_at_once(lambda: enqueue(key="race").pk)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert EmailMessage.objects.filter(idempotency_key="race").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_send_once(on_postgres, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    message = EmailMessage.objects.create(idempotency_key="slow", to=["a@example.com"], subject="s", body_text="b")
    sent = run_at_once(lambda: outbox.email_deliver(message_id=message.pk))
    assert sorted(sent) == [False, True]
    assert len(mail.outbox) == 1


class SlowBackend(FlakyBackend):
    """Holds the send long enough for a second deliverer to arrive while the first one is sending."""

    def send_messages(self, messages):
        import time

        time.sleep(0.3)
        return self.inner.send_messages(messages)
