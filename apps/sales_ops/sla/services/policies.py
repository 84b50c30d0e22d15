"""SLA policies: which one governs a lead, and saving one with its escalation ladder."""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.models import Lead
from apps.core.services.records import as_application_error, validated_save
from apps.sales_ops.sla.models import SlaEscalation, SlaPolicy


def sla_policy_for(lead: Lead) -> SlaPolicy | None:
    """The first active policy, in priority order, whose filters fit the lead in its current stage."""
    for policy in SlaPolicy.objects.filter(active=True, stage=lead.stage).order_by("priority", "id"):
        if policy.matches(lead):
            return policy
    return None


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy | None = None, data: dict, escalations: list[dict] | None = None) -> SlaPolicy:
    """Create or change a policy and (when given) replace its ladder; any invalid part refuses the whole.

    Clocks already running keep the terms and due instants they started with: only new clocks use the change.
    """
    policy = policy or SlaPolicy()
    for name, value in data.items():
        setattr(policy, name, value)
    validated_save(policy)
    if escalations is not None:
        policy.escalations.all().delete()
        for index, rung_data in enumerate(escalations):
            rung = SlaEscalation(policy=policy, **rung_data)
            try:
                rung.full_clean()
            except ValidationError as error:
                app_error = as_application_error(error)
                app_error.detail = {"escalations": {index: app_error.detail or [app_error.message]}}
                raise app_error from error
            rung.save()
    return policy
