"""A scan while the broker is down commits its notices; the sender beat queues every minute e-mails them."""

import datetime as dt
from unittest import mock

from kombu.exceptions import OperationalError

from apps.sales_ops.models import SlaNotice
from apps.sales_ops.sla import services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from apps.sales_ops.sla.tasks import sla_alerts_send_task
from tests.sales_ops.conftest import T0, H, handed_off

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_scan_while_the_broker_is_down_keeps_its_notices_for_the_next_sender(
    frozen, rep, marketing_ops, django_capture_on_commit_callbacks
):
    SlaPolicyFactory()
    handed_off(rep, marketing_ops)
    frozen.now = T0 + 4 * H + dt.timedelta(minutes=30)
    with (
        mock.patch.object(sla_alerts_send_task, "delay", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.sla_scan()
    assert SlaNotice.objects.filter(email__isnull=True).exists()
    assert services.sla_alerts_send() >= 1
    assert not SlaNotice.objects.filter(email__isnull=True).exists()
