"""The routing demo: a tree under core's demo regions, once however often it runs, that routes a lead."""

import pytest

from apps.core.factories import AccountFactory
from apps.core.services import leads
from apps.core.services.demo import demo_seed
from apps.sales_ops.coverage.demo_routing import routing_demo_seed
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRule
from tests.sales_ops.coverage.conftest import mql_lead

pytestmark = pytest.mark.django_db


def test_the_demo_tree_is_made_once_and_routes_a_lead():
    demo_seed(password="demo-password", accounts=8)
    routing_demo_seed()
    counts = (TerritoryRule.objects.count(), TerritoryMember.objects.count())
    routing_demo_seed()

    assert (TerritoryRule.objects.count(), TerritoryMember.objects.count()) == counts
    lead = mql_lead(account=AccountFactory(country="US", segment="enterprise", owner=None))
    assert leads.lead_handoff(lead_id=lead.pk, actor=None).owner.username == "rep3"
    assert RoutingDecision.objects.get(lead=lead).reason == (
        "round robin in NA-Enterprise (country US, segment Enterprise)"
    )


def test_without_the_core_demo_the_routing_demo_does_nothing(db):
    assert "skipped" in routing_demo_seed()
    assert not TerritoryRule.objects.exists()
