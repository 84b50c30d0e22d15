"""Campaigns and the plan: create and move campaigns, open and change envelopes, allocate and reallocate money.

Every change of a planned amount or an envelope is a `BudgetMove` (who, when, why). Locks are taken in one
order, campaigns (by id) before envelopes (by id), so that two moves never wait on each other.
"""

import datetime as dt
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.db import transaction

from apps.core.amounts import NON_ASCII_DIGITS, has_non_ascii_characters
from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.core.quarters import quarter_of
from apps.core.services.dispatch import enqueue_after_commit
from apps.core.services.records import apply_changes, text_within, validated_save
from apps.core.timezones import site_today
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.models import (
    CAMPAIGN_MOVES,
    BudgetEnvelope,
    BudgetMove,
    Campaign,
    CampaignStatus,
    Team,
)
from apps.marketing_ops.budgets.selectors import money

MAX_MONEY = Decimal("999999999999.99")
REASON_MAX = BudgetMove._meta.get_field("reason").max_length
EDITABLE_FIELDS = (
    "name",
    "channel",
    "owner",
    "start_date",
    "end_date",
    "fiscal_quarter",
    "program",
    "segment",
    "region",
    "expected_leads",
    "expected_pipeline",
    "envelope",
    "warn_at_percent",
    "over_at_percent",
    "projected_over_percent",
)


def as_money(value, *, field: str, negative: bool = False, zero: bool = False) -> Decimal:
    """A Decimal amount of at most two places from what a person or a file gave, or an error naming the field."""
    if has_non_ascii_characters(value):
        raise ApplicationError(f"'{value}': {NON_ASCII_DIGITS}", field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"'{value}' is not an amount such as 1250.00.", field=field) from None
    if not amount.is_finite():
        raise ApplicationError(f"'{value}' is not an amount such as 1250.00.", field=field)
    if abs(amount) > MAX_MONEY:
        raise ApplicationError(f"{value} is more than smops holds ({MAX_MONEY}).", field=field)
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_CEILING):
        raise ApplicationError(f"{value} has more than two decimal places.", field=field)
    if amount < 0 and not negative:
        raise ApplicationError(f"{value} is negative; the amount must not be.", field=field)
    if amount == 0 and not zero:
        raise ApplicationError("The amount must not be zero.", field=field)
    return amount


def _reason(reason: str) -> str:
    return text_within(
        reason,
        field="reason",
        limit=REASON_MAX,
        label="The reason",
        required="Say why the money moves: the reason is kept with the move.",
    )


def watch_after_commit(*campaign_ids: int) -> None:
    from apps.marketing_ops.budgets.tasks import budget_watch_task  # tasks import the services

    for campaign_id in campaign_ids:
        enqueue_after_commit(budget_watch_task, campaign_id)


# --- campaigns -----------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor: User | None, planned_amount: Decimal = Decimal(0), reason: str = "Initial plan", **fields
) -> Campaign:
    """A new campaign (planned); its budget quarter defaults to its start's; the plan is drawn from its envelope."""
    campaign = Campaign(**fields)
    if not campaign.fiscal_quarter and isinstance(campaign.start_date, dt.date):
        campaign.fiscal_quarter = quarter_of(campaign.start_date)
    validated_save(campaign)
    planned_amount = as_money(planned_amount, field="planned_amount", zero=True)
    if planned_amount:
        campaign_plan_set(campaign_id=campaign.pk, amount=planned_amount, actor=actor, reason=reason)
        campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_update(*, campaign_id: int, data: dict) -> Campaign:
    """Change what a campaign is; its plan moves only through `campaign_plan_set` and the transfers."""
    if "planned_amount" in data:
        raise ApplicationError(
            "The plan changes through a recorded move (plan/ or transfer/), not an edit.", field="planned_amount"
        )
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status == CampaignStatus.CANCELLED:
        raise ApplicationError("A cancelled campaign cannot be edited.", code="cancelled")
    if "envelope" in data and data["envelope"] != campaign.envelope and campaign.planned_amount:
        raise ApplicationError(
            "Release the plan (set it to 0) before moving the campaign to another envelope.", field="envelope"
        )
    apply_changes(campaign, data, EDITABLE_FIELDS)
    watch_after_commit(campaign.pk)
    return campaign


# simple_history keeps a change's reason in 100 characters.
MOVE_REASON_MAX = 100


@transaction.atomic
def campaign_move(*, campaign_id: int, status: str, actor: User | None, reason: str = "") -> Campaign:
    """planned → active → completed, or cancelled from either; cancelling releases the plan not yet spoken for.

    The move is a row of the campaign's history, with `actor` (None: the system itself) and `reason`.
    """
    reason = (reason or "").strip()
    if len(reason) > MOVE_REASON_MAX:
        raise ApplicationError(
            f"The reason is {len(reason):,} characters; it may be at most {MOVE_REASON_MAX}.", field="reason"
        )
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if status not in CampaignStatus.values:
        raise ApplicationError(f"'{status}' is not a campaign status.", field="status")
    if campaign.status == status:
        return campaign
    if status not in CAMPAIGN_MOVES[campaign.status]:
        said = dict(CampaignStatus.choices)
        allowed = ", ".join(said[s] for s in CampaignStatus.values if s in CAMPAIGN_MOVES[campaign.status]) or "none"
        raise ApplicationError(
            f"This campaign is {said[campaign.status]}, so it cannot become {said[status]}. "
            f"From {said[campaign.status]} it can become: {allowed}.",
            code="illegal_move",
        )
    campaign.status = status
    campaign._change_reason = reason or None  # read by simple_history for the history row
    campaign._history_user = actor
    campaign.save(update_fields=["status", "updated_at"])
    if status == CampaignStatus.CANCELLED and campaign.planned_amount:
        spoken_for = selectors.campaign_budget(campaign, today=site_today()).spoken_for
        keep = min(campaign.planned_amount, max(spoken_for, Decimal(0)).quantize(Decimal("0.01"), ROUND_CEILING))
        _plan_set(campaign, keep, actor=actor, reason="Campaign cancelled: the plan not spoken for is released")
    watch_after_commit(campaign.pk)
    return campaign


# --- the plan ------------------------------------------------------------------------------------


def _lock_envelope(envelope_id: int) -> BudgetEnvelope:
    return BudgetEnvelope.objects.select_for_update().select_related("team").get(pk=envelope_id)


def _ensure_room(envelope: BudgetEnvelope, extra: Decimal, *, field: str = "planned_amount") -> None:
    """Refuse to plan `extra` more from an envelope (locked by the caller) than it has left, saying by how much."""
    allocated = selectors.envelope_allocated(envelope)
    if allocated + extra > envelope.amount:
        left = envelope.amount - allocated
        raise ApplicationError(
            f"The envelope {envelope} has {money(left)} left of {money(envelope.amount)}; {money(extra)} more would "
            f"exceed it by {money(allocated + extra - envelope.amount)}.",
            field=field,
            code="envelope_exceeded",
        )


@transaction.atomic
def campaign_plan_set(*, campaign_id: int, amount, actor: User | None, reason: str) -> Campaign:
    """Set a campaign's planned amount; the difference is drawn from or released to its envelope."""
    amount = as_money(amount, field="planned_amount", zero=True)
    reason = _reason(reason)
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status == CampaignStatus.CANCELLED:
        raise ApplicationError("A cancelled campaign's plan cannot grow.", code="cancelled")
    _plan_set(campaign, amount, actor=actor, reason=reason)
    watch_after_commit(campaign.pk)
    return campaign


def _plan_set(campaign: Campaign, amount: Decimal, *, actor: User | None, reason: str) -> None:
    delta = amount - campaign.planned_amount
    if not delta:
        return
    if campaign.envelope_id is None:
        raise ApplicationError("Choose the envelope the plan is drawn from first.", field="envelope")
    envelope = _lock_envelope(campaign.envelope_id)
    if delta > 0:
        _ensure_room(envelope, delta)
    campaign.planned_amount = amount
    campaign.save(update_fields=["planned_amount", "updated_at"])
    if delta > 0:
        BudgetMove.objects.create(
            kind=BudgetMove.Kind.ALLOCATE,
            amount=delta,
            from_envelope=envelope,
            to_campaign=campaign,
            reason=reason,
            actor=actor,
        )
    else:
        BudgetMove.objects.create(
            kind=BudgetMove.Kind.RELEASE,
            amount=-delta,
            from_campaign=campaign,
            to_envelope=envelope,
            reason=reason,
            actor=actor,
        )


@transaction.atomic
def budget_transfer(
    *, from_campaign_id: int, to_campaign_id: int, amount, actor: User | None, reason: str
) -> BudgetMove:
    """Move planned money from one campaign to another; across envelopes, the receiving one must have room."""
    amount = as_money(amount, field="amount")
    reason = _reason(reason)
    if from_campaign_id == to_campaign_id:
        raise ApplicationError("Choose another campaign to move the money to.", field="to_campaign")
    locked = {
        c.pk: c
        for c in Campaign.objects.select_for_update().filter(pk__in=[from_campaign_id, to_campaign_id]).order_by("pk")
    }
    source, target = locked[from_campaign_id], locked[to_campaign_id]
    if target.status == CampaignStatus.CANCELLED:
        raise ApplicationError("The receiving campaign is cancelled.", field="to_campaign")
    if target.envelope_id is None:
        raise ApplicationError("The receiving campaign has no envelope to plan from.", field="to_campaign")
    if amount > source.planned_amount:
        raise ApplicationError(
            f"{source} has {money(source.planned_amount)} planned; {money(amount)} is "
            f"{money(amount - source.planned_amount)} more.",
            field="amount",
        )
    envelopes = sorted({source.envelope_id, target.envelope_id})
    locked_envelopes = {pk: _lock_envelope(pk) for pk in envelopes}
    if source.envelope_id != target.envelope_id:
        _ensure_room(locked_envelopes[target.envelope_id], amount, field="amount")
    source.planned_amount -= amount
    target.planned_amount += amount
    Campaign.objects.bulk_update([source, target], ["planned_amount"])
    move = BudgetMove.objects.create(
        kind=BudgetMove.Kind.TRANSFER,
        amount=amount,
        from_campaign=source,
        to_campaign=target,
        from_envelope_id=source.envelope_id,
        to_envelope_id=target.envelope_id,
        reason=reason,
        actor=actor,
    )
    watch_after_commit(source.pk, target.pk)
    return move


# --- envelopes -----------------------------------------------------------------------------------


@transaction.atomic
def envelope_create(*, team: Team, channel: str, quarter: str, amount, actor: User | None) -> BudgetEnvelope:
    amount = as_money(amount, field="amount", zero=True)
    if BudgetEnvelope.objects.filter(team=team, channel=channel, quarter=quarter).exists():
        raise ApplicationError(f"{team} already has an envelope for {channel} in {quarter}.", field="channel")
    envelope = validated_save(BudgetEnvelope(team=team, channel=channel, quarter=quarter, amount=amount))
    if amount:
        BudgetMove.objects.create(
            kind=BudgetMove.Kind.ENVELOPE_CHANGE,
            amount=amount,
            to_envelope=envelope,
            reason="Envelope opened",
            actor=actor,
        )
    return envelope


@transaction.atomic
def envelope_change(*, envelope_id: int, amount, actor: User | None, reason: str) -> BudgetEnvelope:
    """Finance grows or shrinks an envelope; it cannot shrink below what its campaigns have planned."""
    amount = as_money(amount, field="amount", zero=True)
    reason = _reason(reason)
    envelope = _lock_envelope(envelope_id)
    delta = amount - envelope.amount
    if not delta:
        return envelope
    allocated = selectors.envelope_allocated(envelope)
    if amount < allocated:
        raise ApplicationError(
            f"Its campaigns have planned {money(allocated)}; {money(amount)} would be "
            f"{money(allocated - amount)} short. Release plan from campaigns first.",
            field="amount",
            code="envelope_exceeded",
        )
    envelope.amount = amount
    envelope.save(update_fields=["amount"])
    BudgetMove.objects.create(
        kind=BudgetMove.Kind.ENVELOPE_CHANGE,
        amount=abs(delta),
        reason=reason,
        actor=actor,
        to_envelope=envelope if delta > 0 else None,
        from_envelope=envelope if delta < 0 else None,
    )
    return envelope


@transaction.atomic
def envelope_transfer(
    *, from_envelope_id: int, to_envelope_id: int, amount, actor: User | None, reason: str
) -> BudgetMove:
    """Move unplanned money from one envelope to another."""
    amount = as_money(amount, field="amount")
    reason = _reason(reason)
    if from_envelope_id == to_envelope_id:
        raise ApplicationError("Choose another envelope to move the money to.", field="to_envelope")
    locked = {pk: _lock_envelope(pk) for pk in sorted([from_envelope_id, to_envelope_id])}
    source, target = locked[from_envelope_id], locked[to_envelope_id]
    left = source.amount - selectors.envelope_allocated(source)
    if amount > left:
        raise ApplicationError(
            f"The envelope {source} has {money(left)} not planned; {money(amount)} is {money(amount - left)} more.",
            field="amount",
            code="envelope_exceeded",
        )
    source.amount -= amount
    target.amount += amount
    BudgetEnvelope.objects.bulk_update([source, target], ["amount"])
    return BudgetMove.objects.create(
        kind=BudgetMove.Kind.ENVELOPE_TRANSFER,
        amount=amount,
        from_envelope=source,
        to_envelope=target,
        reason=reason,
        actor=actor,
    )
