"""SLA alerts and people's choices: the owner's warning and the manager's breach alert, now, in the digest, or off
where the role allows; a withheld alert is still told once (its notices point at it)."""

import datetime as dt

import pytest
import time_machine

from apps.core.models import EmailMessage, NotificationKind, Role
from apps.sales_ops.models import SlaDigestSubscription, SlaEscalation, SlaNotice
from apps.sales_ops.sla import services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from tests.notifications import assert_routed, choose
from tests.sales_ops.conftest import T0, H, handed_off

Rung = SlaEscalation
SLA = NotificationKind.SLA_ALERTS


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


def warned(clock, team, marketing_ops, *, until=3 * H + dt.timedelta(minutes=1)) -> None:
    SlaPolicyFactory(
        ladder=[
            (Rung.Level.WARNING, Rung.Recipient.OWNER, None, ""),
            (Rung.Level.BREACH, Rung.Recipient.MANAGER, None, ""),
        ]
    )
    handed_off(team, marketing_ops)
    clock.move_to(T0 + until)
    services.sla_scan()
    services.sla_alerts_send()


@pytest.mark.parametrize("delivery", ["immediate", "digest", "off"])
def test_the_owners_warning_follows_their_choice(clock, team, marketing_ops, delivery):
    choose(team, SLA, delivery)
    warned(clock, team, marketing_ops)
    assert_routed(team, delivery, kind=SLA, day=(T0 + 3 * H).date())


def test_a_withheld_alert_is_told_once_all_the_same(clock, team, marketing_ops):
    choose(team, SLA, "off")
    warned(clock, team, marketing_ops)
    services.sla_alerts_send()
    assert EmailMessage.objects.count() == 1
    assert SlaNotice.objects.filter(email__isnull=True).count() == 0


@pytest.mark.parametrize("delivery", ["immediate", "digest"])
def test_the_managers_breach_alert_follows_their_choice(clock, team, marketing_ops, delivery):
    choose(team.manager, SLA, delivery)
    warned(clock, team, marketing_ops, until=5 * H)
    assert_routed(team.manager, delivery, kind=SLA, day=(T0 + 5 * H).date())


def test_a_manager_cannot_be_off_for_breaches(clock, team, marketing_ops):
    assert team.manager.has_role(Role.MANAGER)
    choose(team.manager, SLA, "off")  # written around the page, which refuses it
    warned(clock, team, marketing_ops, until=5 * H)
    assert_routed(team.manager, "immediate", kind=SLA, day=(T0 + 5 * H).date())


def test_the_morning_summary_of_a_manager_on_the_digest_comes_in_the_digest(clock, team, marketing_ops):
    choose(team.manager, SLA, "digest")
    warned(clock, team, marketing_ops, until=5 * H)
    SlaDigestSubscription.objects.create(user=team.manager)
    assert services.sla_digest_send(day=(T0 + 5 * H).date()) == 1
    summary = EmailMessage.objects.get(idempotency_key__startswith="sla-digest:")
    assert summary.status == EmailMessage.Status.WITHHELD
    assert_routed(team.manager, "digest", kind=SLA, day=(T0 + 5 * H).date())
