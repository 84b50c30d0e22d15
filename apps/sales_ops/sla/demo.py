"""Demo data for lead SLAs: the agreements a typical revenue team starts with, and clocks for open leads."""

from django.db import transaction

from apps.core.models import Lead, LeadStage
from apps.sales_ops.sla.models import SlaClock, SlaEscalation, SlaPolicy
from apps.sales_ops.sla.services import sla_clock_start, sla_policy_for, sla_policy_save

Rung = SlaEscalation
POLICIES = [
    (
        {
            "name": "Accept hand-offs",
            "priority": 10,
            "stage": LeadStage.SQL,
            "target": 4,
            "unit": SlaPolicy.Unit.HOURS,
            "warn_at_percent": 75,
            "calendar_mode": SlaPolicy.CalendarMode.TERRITORY,
            "pause_reasons": [],
            "on_breach": SlaPolicy.OnBreach.NOTHING,
        },
        [
            {"level": Rung.Level.WARNING, "recipient": Rung.Recipient.OWNER},
            {"level": Rung.Level.BREACH, "recipient": Rung.Recipient.OWNER},
            {"level": Rung.Level.BREACH, "recipient": Rung.Recipient.MANAGER},
            {"level": Rung.Level.AFTER_BREACH, "hours_after_breach": 8, "recipient": Rung.Recipient.SECOND_MANAGER},
        ],
    ),
    (
        {
            "name": "Convert or disqualify accepted leads",
            "priority": 20,
            "stage": LeadStage.SAL,
            "target": 5,
            "unit": SlaPolicy.Unit.DAYS,
            "warn_at_percent": 80,
            "calendar_mode": SlaPolicy.CalendarMode.TERRITORY,
            "pause_reasons": ["waiting on the customer"],
            "on_breach": SlaPolicy.OnBreach.RECYCLE,
        },
        [
            {"level": Rung.Level.WARNING, "recipient": Rung.Recipient.OWNER},
            {"level": Rung.Level.BREACH, "recipient": Rung.Recipient.MANAGER},
            {
                "level": Rung.Level.AFTER_BREACH,
                "hours_after_breach": 16,
                "recipient": Rung.Recipient.ADDRESS,
                "email": "salesops@example.com",
            },
        ],
    ),
]


@transaction.atomic
def sla_demo_seed() -> str:
    """Idempotent: policies by name; a clock only for open leads that have none."""
    for fields, ladder in POLICIES:
        if not SlaPolicy.objects.filter(name=fields["name"]).exists():
            sla_policy_save(data=fields, escalations=ladder)
    started = 0
    open_clocks = SlaClock.objects.filter(stopped_at__isnull=True).values("lead_id")
    waiting = (
        Lead.objects.filter(stage__in=[LeadStage.SQL, LeadStage.SAL])
        .exclude(pk__in=open_clocks)
        .select_related("account__territory__calendar")
    )
    for lead in waiting:
        if (policy := sla_policy_for(lead)) is not None:
            sla_clock_start(lead=lead, policy=policy, at=lead.stage_changed_at)
            started += 1
    return f"SLA demo: {SlaPolicy.objects.count()} policies, {started} clocks started."
