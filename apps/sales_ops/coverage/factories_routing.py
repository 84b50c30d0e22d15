"""factory-boy factories for territories' routing, shared by the tests and the demo data."""

import factory
from factory.django import DjangoModelFactory

from apps.core.factories import TerritoryFactory, UserFactory
from apps.core.models import Role
from apps.sales_ops.coverage.models import TerritoryMember, TerritoryRouting, TerritoryRule


class TerritoryRoutingFactory(DjangoModelFactory):
    class Meta:
        model = TerritoryRouting
        django_get_or_create = ("territory",)

    territory = factory.SubFactory(TerritoryFactory)


class TerritoryRuleFactory(DjangoModelFactory):
    """A country rule by default; pass `account=` for a named account (with country="")."""

    class Meta:
        model = TerritoryRule
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    country = "DE"
    segment = ""

    @factory.post_generation
    def routing(self, create, extracted, **kwargs):
        if create:
            TerritoryRouting.objects.get_or_create(territory=self.territory)


class TerritoryMemberFactory(DjangoModelFactory):
    class Meta:
        model = TerritoryMember
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryFactory)
    user = factory.SubFactory(UserFactory, roles=[Role.REP])
    weight = 1
    cap = None

    @factory.post_generation
    def routing(self, create, extracted, **kwargs):
        if create:
            TerritoryRouting.objects.get_or_create(territory=self.territory)
