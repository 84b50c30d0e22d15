"""factory-boy factories for core, shared by the tests and by `seed_demo`."""

import datetime as dt
import random
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.core.models import (
    Account,
    BusinessCalendar,
    Contact,
    ExchangeRate,
    Lead,
    LeadStage,
    Opportunity,
    OpportunityStage,
    Role,
    Territory,
    User,
    WorkingHours,
)
from apps.core.models.customers import STAGE_PROBABILITY, LeadSource, Segment

DEFAULT_PASSWORD = "test-password-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in extracted))
        if create:
            self.save()


class BusinessCalendarFactory(DjangoModelFactory):
    """Monday to Friday, 09:00–17:00 in the given zone."""

    class Meta:
        model = BusinessCalendar
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    timezone = "Europe/Berlin"

    @factory.post_generation
    def weekdays(self, create, extracted, **kwargs):
        if create and not self.working_hours.exists():
            start, end = extracted or (dt.time(9), dt.time(17))
            WorkingHours.objects.bulk_create(
                WorkingHours(calendar=self, weekday=day, start=start, end=end) for day in range(5)
            )


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Territory {n}")
    code = factory.Sequence(lambda n: f"t{n}")
    calendar = factory.SubFactory(BusinessCalendarFactory)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = factory.Faker(
        "random_element", elements=["Software", "Manufacturing", "Retail", "Finance", "Healthcare", "Logistics"]
    )
    segment = factory.Faker("random_element", elements=Segment.values)
    country = factory.Faker("random_element", elements=["DE", "GB", "US", "FR", "NL", "SE"])
    employees = factory.Faker("random_int", min=5, max=20000)
    annual_revenue = factory.LazyFunction(lambda: Decimal(random.randint(1, 5000)) * 100000)
    revenue_currency = "EUR"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@mail.example")
    title = factory.Faker("job")
    phone = factory.Faker("phone_number")


class LeadFactory(DjangoModelFactory):
    """A lead at any stage, written directly: tests of the lifecycle itself go through the services."""

    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
    account = factory.SelfAttribute("contact.account")
    source = factory.Faker("random_element", elements=LeadSource.values)
    score = factory.Faker("random_int", min=0, max=100)
    stage = LeadStage.NEW
    stage_reason = factory.LazyAttribute(
        lambda o: "Not a fit" if o.stage in (LeadStage.RECYCLED, LeadStage.DISQUALIFIED) else ""
    )


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.LazyAttribute(lambda o: f"{o.account.name} — new business")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory, roles=[Role.REP])
    amount = factory.LazyFunction(lambda: Decimal(random.randint(5, 500)) * 1000)
    currency = "EUR"
    stage = OpportunityStage.PROSPECTING
    probability = factory.LazyAttribute(lambda o: STAGE_PROBABILITY[o.stage])
    close_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=random.randint(10, 180)))
    lost_reason = factory.LazyAttribute(
        lambda o: "Lost to competitor" if o.stage == OpportunityStage.CLOSED_LOST else ""
    )


class ExchangeRateFactory(DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ("currency", "valid_on")

    currency = "EUR"
    valid_on = dt.date(2026, 4, 1)
    rate = Decimal("1.10")
