"""The OpenAPI schema tells the truth: schemathesis calls every operation in-process and checks each answer.

The schema is loaded from the app itself (`/api/schema/` through WSGI). Every operation gets a few derandomised
cases (the schema's examples, then five generated ones, valid and invalid) as a signed-in ops user, with one record
of each kind in the database. Every response must have a status the schema lists for its operation and a body that
matches what the schema gives for that status, besides schemathesis' default checks (no 5xx, content type...).
Each operation is its own test item, in its own rolled-back transaction; the stateful phase (which chains
operations through links) is not used.

Two default checks are left out, on purpose: "a valid request is accepted" (records that do not exist and domain
rules no schema states, such as currency codes, make a documented 400) and "an invalid request is refused" (the
FilterSets are shared with the portal's forms, where an empty or unknown filter value means "any").
"""

import random
from decimal import Decimal

import factory.random
import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, OpportunityFactory, UserFactory
from apps.core.models import Role
from apps.core.models.customers import LeadStage
from apps.core.services.tokens import api_token_create
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.content.factories import TagFactory, published_asset
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.deal_desk.factories import DealRequestFactory
from apps.sales_ops.sla.factories import SlaPolicyFactory
from smops.wsgi import application

# An explicit config, so that no schemathesis.toml lying around changes the run. The coverage phase (every
# boundary and negative case of every parameter, as explicit examples) is off: it multiplies the run time by four
# (about two CPU minutes more), while the examples and five generated cases per operation, positive and negative,
# already reach each operation's success and its refusals.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
# Loaded while the suite is collected, before any database exists: the throttles (which count in the database
# cache) are off for this one request, as tests/conftest.py turns them off for every test.
NO_THROTTLES = {
    **django_settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
}
with override_settings(REST_FRAMEWORK=NO_THROTTLES, API_DOCS_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# The id in a detail route is drawn by hypothesis; an even draw is replaced by the record the test made for that
# collection, so that both a found record (its body checked against the schema) and a missing one (404) are tried.
KNOWN_IDS: dict[str, int] = {}


@schema.hook
def map_path_parameters(context, path_parameters):
    collection = context.operation.path.split("{")[0]
    if path_parameters and "id" in path_parameters and collection in KNOWN_IDS:
        drawn = str(path_parameters["id"])
        if drawn.isdigit() and int(drawn) % 2 == 0:
            return {**path_parameters, "id": str(KNOWN_IDS[collection])}
    return path_parameters


@pytest.fixture
def wsgi_in_test_transaction():
    """The WSGI handler closes stale connections per request; inside the test's transaction that would end it.

    Django's own test client disconnects the same signal handlers for the same reason.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, wsgi_in_test_transaction):
    """A sales ops user's token, and one record of each kind the API serves."""
    factory.random.reseed_random("smops-schema")
    random.seed(0)
    # Sales ops, and marketing ops too, so that the budget, spend and envelope answers are checked, not only 403s.
    user = UserFactory(username="schema-ops", roles=[Role.SALES_OPS, Role.MARKETING_OPS], is_staff=True)
    rep = UserFactory(username="schema-rep", roles=[Role.REP], manager=user)
    account = AccountFactory(owner=rep)
    contact = ContactFactory(account=account)
    lead = LeadFactory(contact=contact, account=account, owner=rep, stage=LeadStage.SQL)
    opportunity = OpportunityFactory(account=account, owner=rep)
    deal = DealRequestFactory(opportunity=opportunity)
    policy = SlaPolicyFactory()
    envelope = EnvelopeFactory(amount=Decimal("100000"))
    campaign = CampaignFactory(envelope=envelope, owner=user)
    rule = TerritoryRuleFactory(country="DE")
    member = TerritoryMemberFactory(territory=rule.territory, user=rep)
    TagFactory(name="Pricing", slug="pricing")
    deck = published_asset(owner=UserFactory(username="schema-mops", roles=[Role.MARKETING_OPS]), title="Pricing deck")
    KNOWN_IDS.clear()
    KNOWN_IDS.update(
        {
            "/api/v1/accounts/": account.pk,
            "/api/v1/contacts/": contact.pk,
            "/api/v1/leads/": lead.pk,
            "/api/v1/opportunities/": opportunity.pk,
            "/api/v1/deal-desk/requests/": deal.pk,
            "/api/v1/sla/policies/": policy.pk,
            "/api/v1/campaigns/": campaign.pk,
            "/api/v1/budget-envelopes/": envelope.pk,
            "/api/v1/territories/": rule.territory_id,
            "/api/v1/territory-rules/": rule.pk,
            "/api/v1/territory-members/": member.pk,
            "/api/v1/content/assets/": deck.pk,
        }
    )
    yield api_token_create(user=user)[1]
    KNOWN_IDS.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        additional_checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        # A request the schema allows may still be refused (400, documented) for what no schema can say: an id
        # of a record that does not exist, an unknown currency code, a delegation to oneself.
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


def test_the_schema_generates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_writing_the_schema_reads_no_database(db, django_assert_num_queries):
    """The schema is loaded while the suite is collected, before any test database exists (see
    tests/conftest.py): a view that queried while being described would reach the database DATABASE_URL names."""
    from drf_spectacular.generators import SchemaGenerator

    with django_assert_num_queries(0):
        SchemaGenerator().get_schema(request=None, public=True)
