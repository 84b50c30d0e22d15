"""What the budget tests share: a team's envelope, a campaign in it, dated rates and posting helpers."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core.factories import ExchangeRateFactory
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import SpendKind
from apps.marketing_ops.budgets.services import spend

D = Decimal
APRIL_1 = dt.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _company_currency(settings):
    settings.COMPANY_CURRENCY = "USD"
    settings.EXCHANGE_RATE_MAX_AGE_DAYS = 31


@pytest.fixture
def envelope(db):
    return EnvelopeFactory(amount=D("10000.00"))


@pytest.fixture
def campaign(envelope, marketing_ops):
    """Active, 1–30 April 2026, owned by marketing ops, 1,000.00 planned from a 10,000.00 envelope."""
    marketing_ops.email = "mops@example.com"
    marketing_ops.save()
    return CampaignFactory(envelope=envelope, owner=marketing_ops, planned_amount=D("1000.00"), name="Spring search")


@pytest.fixture
def eur(db):
    """1 EUR = 1.10 USD from 1 April 2026, 1.20 USD from 15 April."""
    ExchangeRateFactory(currency="EUR", valid_on=APRIL_1, rate=D("1.10"))
    ExchangeRateFactory(currency="EUR", valid_on=dt.date(2026, 4, 15), rate=D("1.20"))


def post(campaign, amount, *, kind=SpendKind.ACTUAL, currency="USD", day=APRIL_1, **fields):
    return spend.spend_post(
        campaign_id=campaign.pk,
        kind=kind,
        vendor=fields.pop("vendor", "Search Co"),
        spent_on=day,
        amount=amount,
        currency=currency,
        **fields,
    )


def order(campaign, amount, **fields):
    return post(campaign, amount, kind=SpendKind.COMMITTED, **fields)
