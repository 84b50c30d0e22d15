"""Money shared by both sides: the dated exchange-rate table every report converts through."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.core.currencies import validate_currency

RATE = {"max_digits": 18, "decimal_places": 8}


class ExchangeRate(models.Model):
    """How much of the company currency one unit of `currency` was worth from `valid_on`.

    A spend entry dated D uses the newest rate on or before D, if it is at most `EXCHANGE_RATE_MAX_AGE_DAYS` old.
    """

    currency = models.CharField(max_length=3, validators=[validate_currency])
    valid_on = models.DateField()
    rate = models.DecimalField(**RATE, validators=[MinValueValidator(Decimal("0.00000001"))])
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-valid_on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_on"], name="exchange_rate_one_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.currency} = {self.rate} {settings.COMPANY_CURRENCY} from {self.valid_on}"
