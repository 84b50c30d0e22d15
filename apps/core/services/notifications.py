"""Notification preferences: which choices each role may make, making them, and routing a message's recipients.

The one home of "should this person get this e-mail now, in their daily digest, or not at all". Senders do
not ask it one by one: they tag their `OutgoingEmail` with a `NotificationKind`, and the outbox routes every
recipient through `notification_routes` when it stores the message (so no sender can forget to ask).

Mandatory (no "off"), and why:
- Approvals, for everyone: a deal request waits on its approvers, and the reminder and escalation ladder
  counts from the moment they were told. Someone who does not want these e-mails delegates instead.
- SLA alerts, for managers: the breach escalation is how the hand-off agreement between marketing and sales
  is enforced; a manager who hears of no breach cannot act on one. Reps may turn theirs off: their breaches
  still reach their manager.
Digest stays open to both: the message is kept, only later.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import Delivery, NotificationKind, NotificationPreference, Role, User

# Most to least: when two people share an address, the one who wants most decides.
_ORDER = [Delivery.IMMEDIATE, Delivery.DIGEST, Delivery.OFF]

MANDATORY_WHY = {
    NotificationKind.APPROVALS: "Requests wait on you, and reminders and escalation count from this e-mail; "
    "delegate instead if you are away.",
    NotificationKind.SLA_ALERTS: "Managers are the SLA's escalation: a breach must reach you.",
}


def _off_refused(*, kind: str, is_manager: bool) -> bool:
    return kind == NotificationKind.APPROVALS or (kind == NotificationKind.SLA_ALERTS and is_manager)


def notification_deliveries(*, user: User, kind: str) -> list[str]:
    """The deliveries `user`'s roles allow for `kind`, most immediate first."""
    if _off_refused(kind=kind, is_manager=user.has_role(Role.MANAGER)):
        return [Delivery.IMMEDIATE, Delivery.DIGEST]
    return list(_ORDER)


def notification_preferences(*, user: User) -> dict[str, str]:
    """Every kind with `user`'s delivery for it ("immediate" where they chose nothing), in the kinds' order."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in NotificationKind.values}


@transaction.atomic
def notification_preferences_set(*, user: User, choices: dict[str, str]) -> dict[str, str]:
    """Set `user`'s delivery for each kind in `choices`; all of them or, on any refusal, none.

    Refused: an unknown kind or delivery (`invalid`), and "off" where the role does not allow it
    (`mandatory`, naming the kind as the field).
    """
    for kind, delivery in choices.items():
        if kind not in NotificationKind.values:
            raise ApplicationError(f"Unknown kind of notification '{kind}'.", field=kind)
        if delivery not in Delivery.values:
            raise ApplicationError(f"Unknown delivery '{delivery}'.", field=kind)
        if delivery not in notification_deliveries(user=user, kind=kind):
            label = NotificationKind(kind).label
            raise ApplicationError(f"{label} cannot be turned off: {MANDATORY_WHY[kind]}", field=kind, code="mandatory")
    existing = {p.kind: p for p in NotificationPreference.objects.select_for_update().filter(user=user)}
    now = timezone.now()
    for kind, delivery in choices.items():
        preference = existing.get(kind)
        if preference is None:
            NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery, updated_at=now)
        elif preference.delivery != delivery:
            preference.delivery, preference.updated_at = delivery, now
            preference.save(update_fields=["delivery", "updated_at"])
    return notification_preferences(user=user)


@dataclass(frozen=True)
class Route:
    delivery: str
    user_id: int | None


def notification_routes(*, kind: str, addresses: set[str]) -> dict[str, Route]:
    """How each address (lower-cased) gets a message of `kind`: by its person's preference; an address that is
    nobody's (a team list, sales ops' fixed address) gets it now.

    One query for the people and their preference; a second only when someone chose "off" for a kind their
    role may not turn off (a rep who became a manager since): they get it now.
    """
    lowered = {address.lower() for address in addresses}
    chosen = NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind).values("delivery")[:1]
    people = list(
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=lowered, is_active=True)
        .annotate(delivery=Subquery(chosen))
        .values("pk", "address", "delivery", "is_superuser")
        .order_by("pk")
    )
    offs = [p["pk"] for p in people if p["delivery"] == Delivery.OFF and not p["is_superuser"]]
    managers = set()
    if offs and kind == NotificationKind.SLA_ALERTS:
        managers = set(
            User.groups.through.objects.filter(user_id__in=offs, group__name=Role.MANAGER).values_list(
                "user_id", flat=True
            )
        )
    routes: dict[str, Route] = {}
    for person in people:
        delivery = person["delivery"] or Delivery.IMMEDIATE
        is_manager = person["is_superuser"] or person["pk"] in managers
        if delivery == Delivery.OFF and _off_refused(kind=kind, is_manager=is_manager):
            delivery = Delivery.IMMEDIATE
        known = routes.get(person["address"])
        if known is None or _ORDER.index(delivery) < _ORDER.index(known.delivery):
            routes[person["address"]] = Route(delivery=delivery, user_id=person["pk"])
    return routes
