"""A broker that is down when a transaction commits delays work until the next scan; it never fails the caller."""

import logging
from unittest import mock

from django.core import mail
from kombu.exceptions import OperationalError

from apps.core.models import EmailMessage
from apps.core.services import outbox
from apps.core.tasks import outbox_deliver_task, outbox_flush_task

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
CONTEXT = {"subject": "Lead #7 breached", "headline": "Breach", "body": "Lead #7 is late.", "link": "/leads/7/"}


def test_an_email_enqueued_while_the_broker_is_down_is_kept_and_sent_by_the_next_flush(
    db, caplog, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(outbox_deliver_task, "delay", side_effect=BROKER_DOWN),
        caplog.at_level(logging.WARNING, logger="apps.core.services.dispatch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = outbox.email_enqueue(key="k", to=["a@example.com"], template="notice", context=CONTEXT)
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.PENDING and not mail.outbox
    assert "broker unavailable" in caplog.text and "left to the periodic scan" in caplog.text
    assert outbox_flush_task() == 1
    assert len(mail.outbox) == 1


def test_other_errors_are_not_swallowed(db, django_capture_on_commit_callbacks):
    with mock.patch.object(outbox_deliver_task, "delay", side_effect=RuntimeError("a bug")):
        try:
            with django_capture_on_commit_callbacks(execute=True):
                outbox.email_enqueue(key="k", to=["a@example.com"], template="notice", context=CONTEXT)
        except RuntimeError:
            return
    raise AssertionError("a RuntimeError from delay() was swallowed")
