"""What the SLA tests share: a clock they can move by hand, and leads handed to sales."""

import datetime as dt
from unittest import mock

import pytest

from apps.core.factories import LeadFactory
from apps.core.models import Lead, LeadStage
from apps.core.services import leads

H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday, ISO week 2026-W48


@pytest.fixture
def frozen():
    """Pin the clock that services and pages read (`timezone.now`) and move it by hand."""

    class Clock:
        now = T0

    with mock.patch("django.utils.timezone.now", lambda: Clock.now):
        yield Clock


def handed_off(owner, actor, **lead_fields) -> Lead:
    """A lead marketing hands to `owner` now: its SLA clock starts with the move."""
    lead = LeadFactory(stage=LeadStage.MQL, **lead_fields)
    return leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=actor)
