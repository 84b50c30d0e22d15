"""The dated exchange-rate table: the newest rate on or before a day, within its age, or an error naming both."""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.exchange_rates import RateBook, exchange_rate
from apps.core.factories import ExchangeRateFactory

APRIL_1, APRIL_15 = dt.date(2026, 4, 1), dt.date(2026, 4, 15)


@pytest.fixture
def eur(db):
    ExchangeRateFactory(currency="EUR", valid_on=APRIL_1, rate=D("1.10"))
    ExchangeRateFactory(currency="EUR", valid_on=APRIL_15, rate=D("1.20"))


@pytest.mark.parametrize(
    ("day", "rate"),
    [(APRIL_1, D("1.10")), (dt.date(2026, 4, 14), D("1.10")), (APRIL_15, D("1.20")), (dt.date(2026, 5, 1), D("1.20"))],
)
def test_a_day_takes_the_newest_rate_on_or_before_it(eur, day, rate):
    assert exchange_rate("EUR", day) == rate
    assert RateBook(["EUR"], APRIL_1, dt.date(2026, 5, 31)).rate("EUR", day) == rate


def test_the_company_currency_is_worth_one(db, settings):
    assert settings.COMPANY_CURRENCY == "USD"
    assert exchange_rate("USD", APRIL_1) == D(1)
    assert RateBook(["USD"], APRIL_1, APRIL_1).rate("USD", APRIL_1) == D(1)


def test_a_rate_older_than_the_allowed_age_is_missing(eur, settings):
    settings.EXCHANGE_RATE_MAX_AGE_DAYS = 10
    assert exchange_rate("EUR", dt.date(2026, 4, 25)) == D("1.20")
    with pytest.raises(ApplicationError, match="No exchange rate for EUR on 2026-04-26") as refused:
        exchange_rate("EUR", dt.date(2026, 4, 26))
    assert refused.value.field == "currency"
    assert RateBook(["EUR"], APRIL_1, dt.date(2026, 4, 30)).rate("EUR", dt.date(2026, 4, 26)) is None


def test_before_the_first_rate_there_is_none(eur):
    with pytest.raises(ApplicationError, match="EUR on 2026-03-31"):
        exchange_rate("EUR", dt.date(2026, 3, 31))
    assert RateBook(["EUR"], dt.date(2026, 3, 1), APRIL_1).rate("EUR", dt.date(2026, 3, 31)) is None
