"""Lead routing: who gets a lead that marketing hands off without naming an owner, and why.

The order, first answer wins:

1. **The account's owner**, if they are an active member of some territory and not out of office today (a
   "named account of Ana"). Their cap does not apply: the account relationship outranks the load.
2. **The territory whose rule matches the account**, the most specific rule first: a named-account rule, then
   country and segment, then country alone, then segment alone (`TerritoryRule.specificity`). A rule is unique at its
   level in the whole tree, so there is never a tie to break.
3. In that territory, **smooth weighted round robin** over its members (nginx's algorithm: each eligible member's
   score grows by its weight, the highest score takes the turn and gives back the round's total weight), skipping
   members who are inactive, out of office today (a deal desk `ApprovalDelegation` covering today: the one
   out-of-office record of the portal) or at their cap of open hand-offs (leads they own in sql or sal).
4. Nobody eligible, or no rule matching: the territory's **fallback queue owner**, else the
   `LEAD_ROUTING_QUEUE_OWNER` setting's user. Nobody at all: the decision says so, with no owner, and the
   hand-off that asked is refused.

Race-free: a routed hand-off locks the territory's routing row, then the members' user rows (in id order, so that
a rep in two territories cannot take more than their cap through both), and only then counts open hand-offs and
advances the scores, in the hand-off's transaction. Two hand-offs into one territory therefore take turns one
after the other. The query count is fixed whatever the tree's size: the tree is never walked.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from apps.core.models import Account, Lead, LeadStage, Territory, User
from apps.core.timezones import site_today
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule
from apps.sales_ops.deal_desk.models import ApprovalDelegation

# A hand-off is open while its owner still has it to work: handed (sql) or accepted (sal).
OPEN_HANDOFF_STAGES = (LeadStage.SQL, LeadStage.SAL)


def _away_on(day: dt.date, user_ref: str = "user_id") -> Exists:
    """Whether the user is out of office on `day`: they gave a deal desk delegation covering it."""
    return Exists(
        ApprovalDelegation.objects.filter(approver_id=OuterRef(user_ref), starts_on__lte=day, ends_on__gte=day)
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username


@dataclass
class _Seat:
    member: TerritoryMember
    open_handoffs: int

    @property
    def skip_reason(self) -> str | None:
        member, name = self.member, _name(self.member.user)
        if not member.user.is_active:
            return f"{name} skipped (inactive)"
        if member.away:
            return f"{name} skipped (out of office)"
        if member.cap is not None and self.open_handoffs >= member.cap:
            return f"{name} skipped at cap {member.cap}"
        return None


def lead_route(*, lead: Lead, preview: bool = False, actor: User | None = None) -> RoutingDecision:
    """Who gets `lead`, and why. Recorded (and the round robin advanced) unless `preview`: then nothing is written
    and nothing locked, and the answer is who would get it now.

    Called by `lead_move` (through the LEAD_ROUTER setting) inside the hand-off's transaction, with the lead
    locked; on its own it opens a transaction of its own.
    """
    with transaction.atomic(savepoint=False):  # nested in a hand-off: its failure fails the hand-off, no savepoint
        decision = _route(lead=lead, preview=preview)
        decision.lead, decision.actor = lead, actor
        if not preview:
            decision.save()
        return decision


def _route(*, lead: Lead, preview: bool) -> RoutingDecision:
    today = site_today()  # the quota's quarter by the company's calendar, whoever hands off
    account = Account.objects.filter(pk=lead.account_id).values("owner_id", "country", "segment").get()
    notes: list[str] = []

    if account["owner_id"]:
        seat = (
            TerritoryMember.objects.filter(user_id=account["owner_id"], user__is_active=True)
            .select_related("user", "territory")
            .annotate(away=_away_on(today))
            .order_by("id")
            .first()
        )
        if seat is not None and not seat.away:
            return RoutingDecision(
                owner=seat.user,
                territory=seat.territory,
                method=RoutingDecision.Method.NAMED_ACCOUNT,
                reason=f"named account of {_name(seat.user)}",
            )
        if seat is not None:
            notes.append(f"account owner {_name(seat.user)} is out of office")

    rule = _matching_rule(account_id=lead.account_id, country=account["country"], segment=account["segment"])
    if rule is None:
        what = ", ".join(filter(None, [account["country"] and f"country {account['country']}", account["segment"]]))
        notes.append(f"no territory rule matches ({what or 'no country or segment'})")
        return _fallback(territory=None, routing=None, notes=notes)
    return _round_robin(territory=rule.territory, rule=rule, preview=preview, today=today, notes=notes)


def _matching_rule(*, account_id: int, country: str, segment: str) -> TerritoryRule | None:
    """The most specific rule matching the account (one query; at most one rule per level, see the model)."""
    general = Q(account__isnull=True) & (
        Q(country=country, segment=segment) | Q(country=country, segment="") | Q(country="", segment=segment)
    )
    rules = TerritoryRule.objects.filter(Q(account_id=account_id) | general).select_related("territory", "account")
    return min(rules, key=lambda rule: rule.specificity, default=None)


def _round_robin(
    *, territory: Territory, rule: TerritoryRule, preview: bool, today: dt.date, notes: list[str]
) -> RoutingDecision:
    routing = _routing_row(territory=territory, lock=not preview)
    members = (
        TerritoryMember.objects.filter(territory=territory)
        .select_related("user")
        .annotate(away=_away_on(today))
        .order_by("user_id")
    )
    if not preview:
        members = members.select_for_update(of=("self", "user"))
    members = list(members)
    # Counted after the locks are held (a statement of its own, so its snapshot sees every earlier hand-off).
    open_counts = dict(
        Lead.objects.filter(owner_id__in=[m.user_id for m in members], stage__in=OPEN_HANDOFF_STAGES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    seats = [_Seat(member=m, open_handoffs=open_counts.get(m.user_id, 0)) for m in members]
    skipped = [s.skip_reason for s in seats if s.skip_reason]
    eligible = [s.member for s in seats if not s.skip_reason]
    where = f"{territory.name} ({rule.describe()})"
    if not eligible:
        notes.append(f"nobody free in {where}" + (": " + ", ".join(skipped) if skipped else ": it has no members"))
        return _fallback(territory=territory, routing=routing, notes=notes)

    total = sum(m.weight for m in eligible)
    for member in eligible:
        member.rr_current += member.weight
    winner = max(eligible, key=lambda m: m.rr_current)  # the first of equal scores: the lowest user id
    winner.rr_current -= total
    if not preview:
        TerritoryMember.objects.bulk_update(eligible, ["rr_current"])
    reason = ", ".join([f"round robin in {where}", *skipped, *notes])
    return RoutingDecision(
        owner=winner.user, territory=territory, method=RoutingDecision.Method.ROUND_ROBIN, reason=reason
    )


def _routing_row(*, territory: Territory, lock: bool) -> TerritoryRouting | None:
    rows = TerritoryRouting.objects.filter(territory=territory).select_related("fallback_owner")
    if not lock:
        return rows.first()
    row = rows.select_for_update(of=("self",)).first()
    if row is None:  # a territory given rules in a way that made no row (raw SQL, a fixture): make it, then lock it
        TerritoryRouting.objects.get_or_create(territory=territory)
        row = rows.select_for_update(of=("self",)).first()
    return row


def _fallback(*, territory: Territory | None, routing: TerritoryRouting | None, notes: list[str]) -> RoutingDecision:
    owner = routing.fallback_owner if routing is not None else None
    if owner is not None and owner.is_active:
        reason = f"fallback queue owner of {territory.name}: {_name(owner)}"
    else:
        owner = _queue_owner()
        reason = f"the routing queue owner: {_name(owner)}" if owner else "nobody to route to"
    return RoutingDecision(
        owner=owner,
        territory=territory,
        method=RoutingDecision.Method.FALLBACK if owner else RoutingDecision.Method.NONE,
        reason=", ".join([reason, *notes]),
    )


def _queue_owner() -> User | None:
    username = getattr(settings, "LEAD_ROUTING_QUEUE_OWNER", "")
    return User.objects.filter(username=username, is_active=True).first() if username else None
