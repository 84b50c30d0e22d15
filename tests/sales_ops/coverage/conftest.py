"""What the coverage tests share. The routing tests: a small tree (EMEA → EMEA-DACH), three named reps, leads at
accounts. The coverage tests: a hand-computed world of four reps of one manager in 2026-Q4 (calendar fiscal year),
USD company currency, EUR rates 1.20 from 1 October and 1.10 from 1 November; today is 23 November 2026 (the
`frozen` clock).

| rep | quota | won in Q4 | open in Q4 | trailing 4 quarters | multiple | gap | coverage | status |
| ana | 100,000 | 20,000 | 120,000 + €10,000×1.10 = 131,000 | 60,000 of 180,000 (6) | 3.00 | 80,000 | 1.64 | uncov. |
| ben | 50,000 | 0 | 100,000 | none | 2.50 (default) | 50,000 | 2.00 | thin |
| cai | 40,000 | 50,000 | 10,000 | none | 2.50 | 0 | — | covered |
| dee | 100,000 | €10,000×1.20 = 12,000 | 110,000 | won 40,000 of 50,000 (5 deals) | 1.25 | 88,000 | 1.25 | covered |
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.core.factories import (
    AccountFactory,
    ContactFactory,
    ExchangeRateFactory,
    LeadFactory,
    OpportunityFactory,
    TerritoryFactory,
    UserFactory,
)
from apps.core.models import Lead, LeadStage, Role
from apps.core.models import OpportunityStage as S
from apps.sales_ops.coverage.models import Quota

QUARTER = "2026-Q4"
TODAY = dt.date(2026, 11, 23)


def deal(owner, amount, stage=S.PROSPECTING, close=dt.date(2026, 12, 10), currency="USD", **fields):
    return OpportunityFactory(owner=owner, amount=D(amount), stage=stage, close_date=close, currency=currency,
                              account=fields.pop("account", None) or AccountFactory(), **fields)  # fmt: skip


@pytest.fixture
def world(db, settings, frozen, manager):
    settings.COMPANY_CURRENCY = "USD"
    settings.COVERAGE_MIN_CLOSED_DEALS = 5
    settings.COVERAGE_DEFAULT_MULTIPLE = "2.5"
    settings.COVERAGE_THIN_RATIO = "0.75"
    ExchangeRateFactory(currency="EUR", valid_on=dt.date(2026, 10, 1), rate=D("1.20"))
    ExchangeRateFactory(currency="EUR", valid_on=dt.date(2026, 11, 1), rate=D("1.10"))
    reps = {name: UserFactory(username=name, first_name=name.title(), last_name="", roles=[Role.REP], manager=manager)
            for name in ("ana", "ben", "cai", "dee")}  # fmt: skip
    for name, quota in (("ana", 100_000), ("ben", 50_000), ("cai", 40_000), ("dee", 100_000)):
        Quota.objects.create(rep=reps[name], quarter=QUARTER, amount=D(quota))
    ana, ben, cai, dee = reps.values()
    # ana
    deal(ana, 20_000, S.CLOSED_WON, dt.date(2026, 10, 20))
    deal(ana, 70_000, S.PROSPECTING)
    deal(ana, 50_000, S.NEGOTIATION)
    deal(ana, 10_000, S.PROPOSAL, currency="EUR")
    for i in range(6):
        deal(ana, 30_000, S.CLOSED_WON if i < 2 else S.CLOSED_LOST, dt.date(2026, 2 + i, 10))
    deal(ana, 999_000, S.PROSPECTING, dt.date(2027, 1, 5))  # next quarter: not this quarter's pipeline
    deal(ana, 999_000, S.CLOSED_LOST, dt.date(2025, 9, 30))  # five quarters back: outside the trailing four
    # ben
    deal(ben, 100_000, S.QUALIFICATION)
    # cai
    deal(cai, 50_000, S.CLOSED_WON, dt.date(2026, 11, 2))
    deal(cai, 10_000, S.PROSPECTING)
    # dee
    deal(dee, 10_000, S.CLOSED_WON, dt.date(2026, 10, 15), currency="EUR")
    deal(dee, 110_000, S.PROPOSAL)
    for i in range(5):
        deal(dee, 10_000, S.CLOSED_WON if i < 4 else S.CLOSED_LOST, dt.date(2026, 1 + i, 3))
    return reps


# --- routing ---


@pytest.fixture
def emea(db):
    return TerritoryFactory(code="emea", name="EMEA")


@pytest.fixture
def dach(emea):
    return TerritoryFactory(code="emea-dach", name="EMEA-DACH", parent=emea)


def person(username: str, first: str, last: str, role: str = Role.REP):
    return UserFactory(username=username, first_name=first, last_name=last, roles=[role])


@pytest.fixture
def ana(db):
    return person("ana", "Ana", "Alves")


@pytest.fixture
def bo(db):
    return person("bo", "Bo", "Berg")


@pytest.fixture
def cy(db):
    return person("cy", "Cy", "Cruz")


def mql_lead(*, country: str = "DE", segment: str = "smb", owner=None, account=None) -> Lead:
    """A marketing-qualified lead at an account of `country` and `segment` (owned by `owner`)."""
    account = account or AccountFactory(country=country, segment=segment, owner=owner)
    return LeadFactory(contact=ContactFactory(account=account), stage=LeadStage.MQL)


def open_handoffs(user, n: int) -> None:
    """`n` leads `user` owns in sql (handed, not yet accepted): what counts against their cap."""
    for _ in range(n):
        LeadFactory(stage=LeadStage.SQL, owner=user)
