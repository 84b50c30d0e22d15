"""The deal desk's e-mails: to approvers (with their approve/reject links), to their managers on escalation, and
to the rep, once per decision round."""

import datetime as dt
import secrets

from django.core import signing
from django.db.models import Prefetch
from django.urls import reverse

from apps.core.models import NotificationKind, User
from apps.core.services.outbox import OutgoingEmail
from apps.core.timezones import email_time, site_time_zone, user_time_zone
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    DealApprovalStep,
    DealDecision,
    DealDecisionLink,
    DealRequest,
)

# The salt of the e-mail links' signatures: a token signed for anything else never opens a decision page.
LINK_SALT = "smops.deal_desk.decision_link"


def _names(people) -> str:
    return ", ".join(sorted(str(p) for p in people)) or "nobody"


def _day(instant: dt.datetime, tz=None) -> str:
    """The day of `instant` in `tz` (by default the company's, `settings.TIME_ZONE`), as 2026-12-23."""
    return instant.astimezone(tz or site_time_zone()).date().isoformat()


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
    today = now.astimezone(site_time_zone()).date()  # delegations run by the company's calendar days
    delegates = ApprovalDelegation.objects.filter(
        approver__in=people, starts_on__lte=today, ends_on__gte=today
    ).select_related("delegate", "approver")
    recipients = {p.pk: (p, None) for p in people}
    for delegation in delegates:
        recipients.setdefault(delegation.delegate_id, (delegation.delegate, delegation.approver))
    subject, intro = _APPROVER_NOTES[purpose]
    people = [(person, on_behalf_of) for person, on_behalf_of in recipients.values() if person.email]
    links = _decision_links(step, [person for person, _ in people]) if purpose in ("ask", "remind") else {}
    return [
        OutgoingEmail(
            key=f"deal-desk:step:{step.pk}:{purpose}:{person.pk}",
            to=[person.email],
            template="deal_desk",
            kind=NotificationKind.APPROVALS,
            context={
                "subject": f"{subject}: {request.opportunity.name} ({request.discount_percent} % off)",
                "headline": f"{subject}: {step.name}",
                "intro": intro.format(requester=request.requester)
                + (f" You were asked for {on_behalf_of}, who delegated to you." if on_behalf_of else ""),
                "deal": _summary(request),
                "decide_link": links.get(person.pk, ""),
            },
        )
        for person, on_behalf_of in people
    ]


def _decision_links(step: DealApprovalStep, people: list[User]) -> dict[int, str]:
    """A single-use approve/reject link per person (one insert for all): the path of its confirmation page.

    The link names its row by a random nonce, signed (with `LINK_SALT`, and a timestamp the page checks against
    `DEAL_DESK_EMAIL_LINK_MAX_AGE`); the row makes it single-use and says whose it is.
    """
    rows = [DealDecisionLink(step=step, user=person, nonce=secrets.token_urlsafe(24)) for person in people]
    DealDecisionLink.objects.bulk_create(rows)
    return {
        row.user_id: reverse("sales_ops:deal_email_decide", args=[signing.dumps({"n": row.nonce}, salt=LINK_SALT)])
        for row in rows
    }


def _escalation_email(request: DealRequest, step: DealApprovalStep, manager: User, waiting: list[User]):
    late = [p for p in waiting if p.manager_id == manager.pk]
    return OutgoingEmail(
        key=f"deal-desk:step:{step.pk}:escalate:{manager.pk}",
        to=[manager.email],
        template="deal_desk",
        kind=NotificationKind.APPROVALS,
        context={
            "subject": f"Escalated: {request.opportunity.name} waits on {_names(late)}",
            "headline": f"{step.name} is past its {step.escalate_after_hours} working hours",
            "intro": f"{_names(late)} (reporting to you) has not decided on this request yet.",
            "deal": _summary(request),
        },
    )


def _to_rep(request: DealRequest, what: str, headline: str, *, comment: str = "") -> OutgoingEmail:
    return OutgoingEmail(
        key=f"deal-desk:request:{request.pk}:{request.revision}:{what}",
        to=[request.requester.email],
        template="deal_desk",
        kind=NotificationKind.DECISIONS,
        context={
            "subject": f"{headline.split(':')[0]}: {request.opportunity.name}",
            "headline": headline,
            "intro": "",
            "comment": comment,
            "deal": _summary(request),
        },
    )


def _round_email(request: DealRequest, what: str, headline: str, *, comment: str = "") -> OutgoingEmail:
    """The rep's one e-mail of a decision round, with every decision of it.

    A round is one revision's route, from submission to its end: approved (no step left), rejected, or sent
    back for changes. Steps approved on the way are not e-mailed (the request's page shows them); the round's
    end is, once, keyed by the request, the revision and the outcome.
    """
    email = _to_rep(request, what, headline, comment=comment)
    tz = user_time_zone(request.requester)
    email.context["decisions"] = _round_decisions(request, tz)
    email.context["time_zone"] = tz.key
    return email


def _round_decisions(request: DealRequest, tz) -> list[dict]:
    """Each step of the current revision with its decisions, in the rep's time zone (two queries)."""
    decisions = DealDecision.objects.select_related("decided_by", "approver").order_by("at", "pk")
    steps = (
        request.steps.filter(revision=request.revision)
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("position")
    )
    rows = []
    for step in steps:
        said = [
            {
                "outcome": decision.get_outcome_display(),
                "by": str(decision.decided_by) + (f" for {decision.approver}" if decision.on_behalf else ""),
                "at": email_time(decision.at, tz),
                "comment": decision.comment,
            }
            for decision in step.decisions.all()
        ]
        kept = "approval kept from an earlier revision" if step.carried_from_id else ""
        rows.append({"step": step.name, "status": step.get_status_display(), "kept": kept, "decisions": said})
    return rows
