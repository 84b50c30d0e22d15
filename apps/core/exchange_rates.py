"""Reads of the dated exchange-rate table: one rate, or a book of them for converting many amounts.

A rate converts into the company currency (`COMPANY_CURRENCY`): an amount dated D uses the newest rate on or
before D, if it is at most `EXCHANGE_RATE_MAX_AGE_DAYS` old; otherwise it cannot be converted, and the error
names the currency and the day.
"""

import bisect
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings

from apps.core.exceptions import ApplicationError
from apps.core.models import ExchangeRate


def _max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.EXCHANGE_RATE_MAX_AGE_DAYS)


def missing_rate(currency: str, day: dt.date) -> ApplicationError:
    return ApplicationError(
        f"No exchange rate for {currency} on {day.isoformat()} (nor in the {settings.EXCHANGE_RATE_MAX_AGE_DAYS} "
        f"days before): add one under Exchange rates.",
        field="currency",
        code="missing_rate",
    )


def exchange_rate(currency: str, day: dt.date) -> Decimal:
    """What one unit of `currency` was worth in the company currency on `day`: the newest rate on or before it."""
    if currency == settings.COMPANY_CURRENCY:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_on__lte=day, valid_on__gte=day - _max_age())
        .order_by("-valid_on")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise missing_rate(currency, day)
    return rate


class RateBook:
    """The rates of some currencies over a span of days, read in one query, for converting many amounts."""

    def __init__(self, currencies, first: dt.date, last: dt.date):
        self._days: dict[str, list[dt.date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        foreign = set(currencies) - {settings.COMPANY_CURRENCY}
        rows = ExchangeRate.objects.filter(
            currency__in=foreign, valid_on__lte=last, valid_on__gte=first - _max_age()
        ).order_by("currency", "valid_on")
        for currency, day, rate in rows.values_list("currency", "valid_on", "rate"):
            self._days[currency].append(day)
            self._rates[currency].append(rate)

    def rate(self, currency: str, day: dt.date) -> Decimal | None:
        if currency == settings.COMPANY_CURRENCY:
            return Decimal(1)
        index = bisect.bisect_right(self._days[currency], day) - 1
        if index < 0 or day - self._days[currency][index] > _max_age():
            return None
        return self._rates[currency][index]
