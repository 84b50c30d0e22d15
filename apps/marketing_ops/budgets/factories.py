"""factory-boy factories for marketing ops, shared by the tests and by the demo data.

They write rows directly; tests of the budget rules go through the services.
"""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.core.factories import ContactFactory, UserFactory
from apps.core.models import Role
from apps.core.quarters import quarter_of
from apps.marketing_ops.budgets.models import (
    BudgetEnvelope,
    Campaign,
    CampaignStatus,
    CampaignTouch,
    Channel,
    Team,
)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Marketing team {n}")


class EnvelopeFactory(DjangoModelFactory):
    """10,000 for paid search in 2026-Q2."""

    class Meta:
        model = BudgetEnvelope

    team = factory.SubFactory(TeamFactory)
    channel = Channel.PAID_SEARCH
    quarter = "2026-Q2"
    amount = Decimal("10000.00")


class CampaignFactory(DjangoModelFactory):
    """An active campaign of 30 days in April 2026, in its envelope's channel and quarter, nothing planned."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    envelope = factory.SubFactory(EnvelopeFactory)
    channel = factory.SelfAttribute("envelope.channel")
    owner = factory.SubFactory(UserFactory, roles=[Role.MARKETING_OPS])
    status = CampaignStatus.ACTIVE
    start_date = dt.date(2026, 4, 1)
    end_date = dt.date(2026, 4, 30)
    fiscal_quarter = factory.LazyAttribute(lambda o: o.envelope.quarter if o.envelope else quarter_of(o.start_date))
    planned_amount = Decimal(0)


class CampaignTouchFactory(DjangoModelFactory):
    class Meta:
        model = CampaignTouch

    campaign = factory.SubFactory(CampaignFactory)
    contact = factory.LazyAttribute(lambda o: o.lead.contact if o.lead else ContactFactory())
    lead = None
