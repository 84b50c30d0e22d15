"""What the routing tests share: a small tree (EMEA → EMEA-DACH), three named reps, leads at accounts."""

import datetime as dt

import pytest
import time_machine

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, TerritoryFactory, UserFactory
from apps.core.models import Lead, LeadStage, Role

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


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
