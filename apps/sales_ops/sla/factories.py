"""factory-boy factories for lead SLAs, shared by the tests and by the demo data."""

import factory
from factory.django import DjangoModelFactory

from apps.core.models import LeadStage
from apps.sales_ops.sla.models import SlaEscalation, SlaPolicy


class SlaPolicyFactory(DjangoModelFactory):
    """A 4 working hours target: warn the owner at 75 %, tell owner and manager at breach."""

    class Meta:
        model = SlaPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    stage = LeadStage.SQL
    target = 4
    unit = SlaPolicy.Unit.HOURS
    warn_at_percent = 75
    calendar_mode = SlaPolicy.CalendarMode.ALWAYS

    @factory.post_generation
    def ladder(self, create, extracted, **kwargs):
        """`ladder=[(level, recipient, hours_after_breach, email), ...]`; a default ladder when not given."""
        if not create:
            return
        rungs = (
            extracted
            if extracted is not None
            else [
                (SlaEscalation.Level.WARNING, SlaEscalation.Recipient.OWNER, None, ""),
                (SlaEscalation.Level.BREACH, SlaEscalation.Recipient.OWNER, None, ""),
                (SlaEscalation.Level.BREACH, SlaEscalation.Recipient.MANAGER, None, ""),
            ]
        )
        SlaEscalation.objects.bulk_create(
            SlaEscalation(policy=self, level=level, recipient=recipient, hours_after_breach=hours, email=email)
            for level, recipient, hours, email in rungs
        )
