"""Tasks queued when the surrounding transaction commits, without the broker deciding whether the request succeeds.

Everything a task does waits first as a database row (an outbox message, a notice, a campaign to watch) that a
periodic scan re-drives. So a broker that is down at the moment of the commit delays the work by a scan's interval
and loses nothing: the caller, whose data is already committed, must not fail because the hint could not be sent.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    """`task.delay(*args)` once the transaction commits; a broker outage is logged, not raised."""

    def send():
        try:
            task.delay(*args)
        except OperationalError as error:
            logger.warning("broker unavailable, %s%r left to the periodic scan: %s", task.name, args, error)

    transaction.on_commit(send)
