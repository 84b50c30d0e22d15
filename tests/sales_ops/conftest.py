"""What the SLA tests share: a clock they can move by hand, and leads handed to sales."""

import datetime as dt

import pytest
import time_machine

from apps.core.factories import LeadFactory
from apps.core.models import Lead, LeadStage
from apps.core.services import leads

H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday, ISO week 2026-W48


class Clock:
    """The pinned time: read `clock.now`, and assign it (`clock.now = T0 + 4 * H`) to move it."""

    def __init__(self, traveller):
        self._traveller = traveller

    @property
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    @now.setter
    def now(self, value: dt.datetime) -> None:
        self._traveller.move_to(value)


@pytest.fixture
def frozen():
    """Every clock the process reads (model defaults included) stands still at T0 until a test moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield Clock(traveller)


def handed_off(owner, actor, **lead_fields) -> Lead:
    """A lead marketing hands to `owner` now: its SLA clock starts with the move."""
    lead = LeadFactory(stage=LeadStage.MQL, **lead_fields)
    return leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=actor)
