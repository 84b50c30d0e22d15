"""The deal desk's e-mails: to approvers, to their managers on escalation, and to the rep."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from apps.core.models import User
from apps.core.services.outbox import OutgoingEmail
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    DealApprovalStep,
    DealDecision,
    DealRequest,
)


def _names(people) -> str:
    return ", ".join(sorted(str(p) for p in people)) or "nobody"


def _day(instant: dt.datetime) -> str:
    return timezone.localtime(instant).date().isoformat()


def _summary(request: DealRequest) -> dict:
    opportunity = request.opportunity
    return {
        "id": request.pk,
        "opportunity": opportunity.name,
        "account": opportunity.account.name,
        "requester": str(request.requester),
        "list_amount": f"{request.list_amount:,} {request.currency}",
        "net_amount": f"{request.net_amount:,} {request.currency}",
        "discount": f"{request.discount_percent} %",
        "term": f"{request.term_months} months",
        "payment_terms": request.custom_payment_terms or request.get_payment_terms_display(),
        "flags": request.flag_labels,
        "justification": request.justification,
        "link": reverse("sales_ops:deal_detail", args=[request.pk]),
    }


_APPROVER_NOTES = {
    "ask": ("Approval needed", "{requester} asks for non-standard terms."),
    "remind": ("Reminder: approval still needed", "{requester} still waits for your decision."),
    "recalled": ("Recalled: no decision needed", "{requester} took this request back; nothing waits for you now."),
}


def _to_approvers(
    request: DealRequest, step: DealApprovalStep, purpose: str, *, now, people: list[User] | None = None
) -> list[OutgoingEmail]:
    """E-mails to the step's approvers, and to whoever holds a delegation from them: asking, reminding, or
    telling them the request was recalled."""
    if people is None:
        people = list(User.objects.filter(deal_approver_slots__step=step).distinct())
    delegates = ApprovalDelegation.objects.filter(
        approver__in=people, starts_on__lte=timezone.localdate(now), ends_on__gte=timezone.localdate(now)
    ).select_related("delegate", "approver")
    recipients = {p.pk: (p, None) for p in people}
    for delegation in delegates:
        recipients.setdefault(delegation.delegate_id, (delegation.delegate, delegation.approver))
    subject, intro = _APPROVER_NOTES[purpose]
    return [
        OutgoingEmail(
            key=f"deal-desk:step:{step.pk}:{purpose}:{person.pk}",
            to=[person.email],
            template="deal_desk",
            context={
                "subject": f"{subject}: {request.opportunity.name} ({request.discount_percent} % off)",
                "headline": f"{subject}: {step.name}",
                "intro": intro.format(requester=request.requester)
                + (f" You were asked for {on_behalf_of}, who delegated to you." if on_behalf_of else ""),
                "deal": _summary(request),
            },
        )
        for person, on_behalf_of in recipients.values()
        if person.email
    ]


def _escalation_email(request: DealRequest, step: DealApprovalStep, manager: User, waiting: list[User]):
    late = [p for p in waiting if p.manager_id == manager.pk]
    return OutgoingEmail(
        key=f"deal-desk:step:{step.pk}:escalate:{manager.pk}",
        to=[manager.email],
        template="deal_desk",
        context={
            "subject": f"Escalated: {request.opportunity.name} waits on {_names(late)}",
            "headline": f"{step.name} is past its {step.escalate_after_hours} working hours",
            "intro": f"{_names(late)} (reporting to you) has not decided on this request yet.",
            "deal": _summary(request),
        },
    )


def _decision_email(request: DealRequest, decision: DealDecision, step: DealApprovalStep) -> OutgoingEmail:
    by = str(decision.decided_by) + (f" for {decision.approver}" if decision.on_behalf else "")
    return OutgoingEmail(
        key=f"deal-desk:decision:{decision.pk}",
        to=[request.requester.email],
        template="deal_desk",
        context={
            "subject": f"{decision.get_outcome_display()}: {request.opportunity.name} ({step.name})",
            "headline": f"{decision.get_outcome_display()} by {by}",
            "intro": f"Step: {step.name}.",
            "comment": decision.comment,
            "deal": _summary(request),
        },
    )


def _to_rep(request: DealRequest, what: str, headline: str) -> OutgoingEmail:
    return OutgoingEmail(
        key=f"deal-desk:request:{request.pk}:{request.revision}:{what}",
        to=[request.requester.email],
        template="deal_desk",
        context={
            "subject": f"{headline.split(':')[0]}: {request.opportunity.name}",
            "headline": headline,
            "intro": "",
            "deal": _summary(request),
        },
    )
