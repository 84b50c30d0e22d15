"""What the content library tests share: a pinned clock, the people of the library, assets in each state."""

import datetime as dt

import pytest
import time_machine

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content.factories import AssetFactory
from apps.marketing_ops.content.models import Audience

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
TODAY = T0.date()


@pytest.fixture
def frozen():
    """Every clock the process reads stands still at T0 (the library's "today" is 2026-03-02)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(db):
    """The marketing ops user who owns the assets under test."""
    return UserFactory(username="olga", roles=[Role.MARKETING_OPS], is_staff=True)


@pytest.fixture
def legal(db):
    return UserFactory(username="lena", roles=[Role.LEGAL], is_staff=True)


@pytest.fixture
def internal_asset(owner, frozen):
    return AssetFactory(owner=owner, audience=Audience.INTERNAL, review_by=TODAY + dt.timedelta(days=365))


@pytest.fixture
def customer_asset(owner, frozen):
    return AssetFactory(owner=owner, audience=Audience.CUSTOMER, review_by=TODAY + dt.timedelta(days=365))
