"""Lead lifecycle moves. Each is one atomic function: lock, guard, save, record the transition."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import Contact, Lead, LeadStage, LeadTransition, Opportunity, Role, User
from apps.core.models.customers import LEAD_MOVES, STAGES_NEEDING_REASON, LeadSource
from apps.core.services.opportunities import opportunity_create
from apps.core.signals import lead_moved
from apps.core.timezones import site_today

# Which rule of apps/core/permissions.py each move asks (`None` as actor means the system itself).
_MARKETING_MOVES = {LeadStage.MQL, LeadStage.SQL}
_SALES_MOVES = {LeadStage.SAL, LeadStage.OPPORTUNITY}


def _may_move(actor: User | None, lead: Lead, to_stage: str) -> bool:
    if actor is None:
        return True
    if to_stage in _MARKETING_MOVES:
        return actor.has_perm("core.may_hand_off_lead", lead)
    if to_stage in _SALES_MOVES:
        return actor.has_perm("core.may_accept_lead", lead)
    return actor.has_perm("core.may_change_lead", lead)


@transaction.atomic
def lead_create(
    *,
    contact: Contact,
    source: str = LeadSource.WEB,
    score: int = 0,
    owner: User | None = None,
    actor: User | None = None,
) -> Lead:
    """A new lead for a contact, on the contact's account."""
    lead = Lead(contact=contact, account_id=contact.account_id, source=source, score=score, owner=owner)
    lead.stage_changed_by = actor
    lead.full_clean()
    lead.save()
    transition = LeadTransition.objects.create(
        lead=lead, from_stage="", to_stage=LeadStage.NEW, actor=actor, at=lead.created_at
    )
    lead_moved.send(sender=Lead, lead=lead, transition=transition)
    return lead


@transaction.atomic
def lead_move(
    *,
    lead_id: int,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    owner: User | None = None,
    expected_stage: str | None = None,
) -> Lead:
    """Move a lead to `to_stage` if the lifecycle allows it; record who, when and why.

    Idempotent: a lead already in `to_stage` is returned untouched. `expected_stage`, when given, refuses the
    move if someone else moved the lead first.
    """
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead_id)
    if to_stage not in LeadStage.values:
        raise ApplicationError(f"'{to_stage}' is not a lead stage.", field="stage")
    # who may is asked before what may: a move someone may not make is a 403 whatever the lead's stage
    if not _may_move(actor, lead, to_stage):
        raise ActionForbidden(f"You may not make this lead {_said(to_stage)}.", code="forbidden")
    if lead.stage == to_stage:
        return lead
    if to_stage not in LEAD_MOVES[lead.stage]:
        raise ApplicationError(_illegal_move(lead.stage, to_stage), code="illegal_move")
    if expected_stage is not None and lead.stage != expected_stage:
        raise ConflictError(
            f"This lead is {_said(lead.stage)} now, not {_said(expected_stage)}: someone moved it first.",
            code="stage_changed",
        )
    reason = (reason or "").strip()
    if to_stage in STAGES_NEEDING_REASON and not reason:
        raise ApplicationError(f"Making a lead {_said(to_stage)} needs a reason.", field="reason", code="required")

    if to_stage == LeadStage.SQL and owner is None and lead.owner_id is None:
        owner = _routed_owner(lead=lead, actor=actor)  # a lead that has an owner already keeps them

    now = timezone.now()
    update_fields = ["stage", "stage_changed_at", "stage_changed_by", "stage_reason"]
    lead.stage_reason = reason if to_stage in STAGES_NEEDING_REASON else ""
    if owner is not None:
        lead.owner = owner
        update_fields.append("owner")
    transition = LeadTransition.objects.create(
        lead=lead, from_stage=lead.stage, to_stage=to_stage, actor=actor, reason=reason, at=now
    )
    lead.stage, lead.stage_changed_at, lead.stage_changed_by = to_stage, now, actor
    lead.save(update_fields=update_fields)
    lead_moved.send(sender=Lead, lead=lead, transition=transition)
    return lead


def _said(stage: str) -> str:
    """A stage as refusals name it: by its label ("Sales accepted"), never its code ("sal")."""
    return LeadStage(stage).label if stage in LeadStage.values else stage


def _illegal_move(from_stage: str, to_stage: str) -> str:
    allowed = [_said(stage) for stage in LeadStage.values if stage in LEAD_MOVES[from_stage]]
    if not allowed:
        return f"This lead is {_said(from_stage)}, not {_said(to_stage)}, and a closed lead moves no further."
    return (
        f"This lead is {_said(from_stage)}, so it cannot become {_said(to_stage)}. "
        f"From {_said(from_stage)} it can become: {', '.join(allowed)}."
    )


def _routed_owner(*, lead: Lead, actor: User | None) -> User:
    """The owner the lead router picks for a hand-off that names none (the lead is locked, its move allowed).

    Core knows no territories: the router is the function the LEAD_ROUTER setting names (sales ops' coverage
    capability: `lead_route(*, lead, preview, actor)` returning a decision with `owner` and `reason`), imported
    here by its path so that core imports no ops app. Without a router, a hand-off must name its owner.
    """
    if not settings.LEAD_ROUTER:
        raise ApplicationError("Name the owner to hand this lead to.", field="owner", code="required")
    decision = import_string(settings.LEAD_ROUTER)(lead=lead, actor=actor)
    if decision.owner is None:
        raise ApplicationError(
            f"Routing found nobody to give this lead to ({decision.reason}): name an owner.",
            field="owner",
            code="no_route",
        )
    return decision.owner


def lead_qualify(*, lead_id: int, actor: User | None) -> Lead:
    """Marketing qualifies a new or recycled lead (→ mql)."""
    return lead_move(lead_id=lead_id, to_stage=LeadStage.MQL, actor=actor)


def lead_handoff(*, lead_id: int, owner: User | None = None, actor: User | None) -> Lead:
    """Marketing hands a qualified lead to a sales owner (mql → sql). Without one named, the lead keeps the owner it
    has, or the lead router picks one."""
    if owner is not None and (not owner.is_active or not owner.has_role(Role.REP, Role.MANAGER)):
        raise ApplicationError(f"{owner} is not an active rep or manager.", field="owner")
    return lead_move(lead_id=lead_id, to_stage=LeadStage.SQL, actor=actor, owner=owner)


def lead_accept(*, lead_id: int, actor: User | None) -> Lead:
    """Sales accepts a handed-off lead (sql → sal)."""
    return lead_move(lead_id=lead_id, to_stage=LeadStage.SAL, actor=actor)


def lead_reject(*, lead_id: int, actor: User | None, reason: str) -> Lead:
    """Sales rejects a handed-off lead back to marketing nurture (sql → recycled), with a reason."""
    return lead_move(
        lead_id=lead_id, to_stage=LeadStage.RECYCLED, actor=actor, reason=reason, expected_stage=LeadStage.SQL
    )


def lead_recycle(*, lead_id: int, actor: User | None, reason: str) -> Lead:
    """Back to marketing nurture, with a reason."""
    return lead_move(lead_id=lead_id, to_stage=LeadStage.RECYCLED, actor=actor, reason=reason)


def lead_disqualify(*, lead_id: int, actor: User | None, reason: str) -> Lead:
    return lead_move(lead_id=lead_id, to_stage=LeadStage.DISQUALIFIED, actor=actor, reason=reason)


@transaction.atomic
def lead_convert(
    *,
    lead_id: int,
    actor: User | None,
    name: str = "",
    amount: Decimal = Decimal(0),
    currency: str = "USD",
    close_date: dt.date | None = None,
) -> Opportunity:
    """Convert an accepted lead into an opportunity (sal → opportunity) owned by the lead's owner."""
    lead = lead_move(lead_id=lead_id, to_stage=LeadStage.OPPORTUNITY, actor=actor, expected_stage=LeadStage.SAL)
    existing = Opportunity.objects.filter(source_lead=lead).first()
    if existing is not None:
        return existing
    if lead.owner is None:
        raise ApplicationError("The lead has no owner to own the opportunity.", field="owner")
    return opportunity_create(
        name=name or f"{lead.account.name} — {lead.contact}",
        account=lead.account,
        owner=lead.owner,
        amount=amount,
        currency=currency,
        close_date=close_date or (site_today() + dt.timedelta(days=90)),
        source_lead=lead,
    )


@transaction.atomic
def lead_reassign(*, lead_id: int, owner: User, actor: User | None) -> Lead:
    """Give a lead to another owner without moving it; its SLA clock stays (the agreement is the team's)."""
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead_id)
    if not owner.is_active or not owner.has_role(Role.REP, Role.MANAGER):
        raise ApplicationError(f"{owner} is not an active rep or manager.", field="owner")
    if actor is not None and not actor.has_perm("core.may_reassign_lead", lead):
        raise ActionForbidden("Only the owner's managers or sales ops may reassign this lead.")
    if lead.owner_id != owner.pk:
        lead.owner = owner
        lead.save(update_fields=["owner"])
    return lead
