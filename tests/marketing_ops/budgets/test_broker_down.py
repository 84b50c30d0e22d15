"""A spend posting while the broker is down commits; the budget watch catches up at its next hourly run."""

from unittest import mock

from kombu.exceptions import OperationalError

from apps.marketing_ops.budgets.models import SpendEntry
from apps.marketing_ops.budgets.tasks import budget_watch_task
from tests.marketing_ops.budgets.conftest import order

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_spend_posting_while_the_broker_is_down_still_commits(campaign, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(budget_watch_task, "delay", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        entry = order(campaign, "100.00")
    assert SpendEntry.objects.filter(pk=entry.pk).exists()
