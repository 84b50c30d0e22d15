"""Handing several leads to sales at once from marketing's hand-off page: each through core's `lead_handoff`, each in
a transaction of its own, with a result per lead in words.

A lead that is refused leaves nothing behind (no routing decision, no transition, no owner, no SLA clock), and the
others go ahead: a hand-off of twenty leads where one has gone to sales meanwhile hands the nineteen.
"""

from dataclasses import dataclass

from django.db import transaction

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Lead, LeadStage, User
from apps.core.services.leads import lead_handoff


@dataclass(frozen=True)
class HandoffResult:
    """What became of one picked lead: handed to `owner_name`, or refused for `reason` (words, never a code)."""

    lead_id: int
    lead_label: str
    handed: bool
    owner_name: str = ""
    reason: str = ""
    code: str = ""

    @property
    def text(self) -> str:
        return f"handed to {self.owner_name}" if self.handed else f"refused: {self.reason}"

    def as_dict(self) -> dict:
        """What the page keeps in the session between the POST and the GET that shows it."""
        return {
            "lead_id": self.lead_id,
            "lead_label": self.lead_label,
            "handed": self.handed,
            "owner_name": self.owner_name,
            "reason": self.reason,
            "code": self.code,
        }


def leads_hand_off(*, picks: list[tuple[int, User | None]], actor: User) -> list[HandoffResult]:
    """Hand each (lead id, owner or None) to sales: the owner named, else the lead's own, else the router's choice."""
    return [_hand_off_one(lead_id=lead_id, owner=owner, actor=actor) for lead_id, owner in picks]


def _hand_off_one(*, lead_id: int, owner: User | None, actor: User) -> HandoffResult:
    label = f"#{lead_id}"
    try:
        with transaction.atomic():
            lead = (
                Lead.objects.select_for_update(of=("self",))
                .select_related("owner", "contact", "account")
                .filter(pk=lead_id)
                .first()
            )
            if lead is None:
                raise ApplicationError("there is no such lead", code="not_found")
            label = _label(lead)
            _refuse_unless_qualified(lead)
            lead = lead_handoff(lead_id=lead.pk, owner=owner, actor=actor)
    except ActionForbidden:
        return HandoffResult(lead_id, label, False, reason="you may not hand leads to sales", code="forbidden")
    except ApplicationError as error:
        return HandoffResult(lead_id, label, False, reason=_words(error), code=error.code or "invalid")
    return HandoffResult(lead_id, label, True, owner_name=_name(lead.owner))


def _refuse_unless_qualified(lead: Lead) -> None:
    """Only a marketing-qualified lead is handed off; say what it is instead, in words (the lifecycle's own refusal
    names stage codes, and `lead_handoff` returns a lead already handed off untouched, which is no hand-off of ours).
    """
    if lead.stage == LeadStage.MQL:
        return
    if lead.stage == LeadStage.SQL:
        whom = f" to {_name(lead.owner)}" if lead.owner else ""
        raise ApplicationError(f"it was already handed off{whom}", code="already_handed_off")
    raise ApplicationError(
        f"it is {lead.get_stage_display().lower()} now; only marketing-qualified leads are handed off",
        code="not_qualified",
    )


def _words(error: ApplicationError) -> str:
    """A refusal as the sentence the page shows: the service's own message, without its closing full stop."""
    return error.message.rstrip(".")


def _label(lead: Lead) -> str:
    return f"#{lead.pk} {lead.contact} ({lead.account.name})"


def _name(user: User) -> str:
    return user.get_full_name() or user.username
