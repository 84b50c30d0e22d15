"""factory-boy factories for the deal desk, shared by the tests and by the demo data."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from apps.core.factories import OpportunityFactory
from apps.sales_ops.deal_desk.models import ApprovalRule, DealRequest, PaymentTerms, RuleApprover, discount_percent


class ApprovalRuleFactory(DjangoModelFactory):
    """A matrix row; `approvers=[(kind, user_or_group), ...]` names its step's approvers (default: the manager)."""

    class Meta:
        model = ApprovalRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    step_order = 10
    mode = ApprovalRule.Mode.ALL

    @factory.post_generation
    def approvers(self, create, extracted, **kwargs):
        if not create:
            return
        wanted = extracted if extracted is not None else [(RuleApprover.Kind.MANAGER, None)]
        RuleApprover.objects.bulk_create(
            RuleApprover(
                rule=self,
                kind=kind,
                user=who if kind == RuleApprover.Kind.USER else None,
                group=who if kind == RuleApprover.Kind.GROUP else None,
            )
            for kind, who in wanted
        )


class DealRequestFactory(DjangoModelFactory):
    """A draft asking 20 % off for 24 months on net 30, on an open opportunity of the requester's."""

    class Meta:
        model = DealRequest

    opportunity = factory.SubFactory(OpportunityFactory)
    requester = factory.LazyAttribute(lambda o: o.opportunity.owner)
    list_amount = Decimal("100000.00")
    net_amount = Decimal("80000.00")
    currency = factory.LazyAttribute(lambda o: o.opportunity.currency)
    discount_percent = factory.LazyAttribute(lambda o: discount_percent(o.list_amount, o.net_amount))
    term_months = 24
    payment_terms = PaymentTerms.NET_30
    justification = "Competitive displacement; the customer commits to a case study."
