"""Writes to the territory tree and its routing: territories (parent, fallback owner), rules, members.

Every refusal names its field (a cycle: `parent`; weight 0: `weight`; a negative cap: `cap`; a rule matching
nothing: `country`, `segment` or `account`) and writes nothing.
"""

from django.db import IntegrityError, transaction

from apps.core.exceptions import ApplicationError
from apps.core.models import Account, BusinessCalendar, Territory, User
from apps.core.services.records import validated_save
from apps.sales_ops.coverage.models import TerritoryMember, TerritoryRouting, TerritoryRule

TERRITORY_FIELDS = ("name", "code", "calendar", "manager", "parent")
MEMBER_FIELDS = ("weight", "cap")


def _lock_tree() -> None:
    """Tree edits take turns: every territory row, in id order (rare writes; two concurrent re-parentings could
    otherwise each pass the cycle check and make a cycle together)."""
    list(Territory.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _refuse_cycle(territory: Territory) -> None:
    if territory.parent is None or territory.pk is None:
        return
    if territory.pk in {t.pk for t in territory.parent.ancestors(include_self=True)}:
        raise ApplicationError(
            f"'{territory.parent}' lies under '{territory}' (or is it): a cycle.", field="parent", code="cycle"
        )


def _set_fallback_owner(territory: Territory, fallback_owner: User | None) -> TerritoryRouting:
    routing, _ = TerritoryRouting.objects.select_for_update().get_or_create(territory=territory)
    if routing.fallback_owner_id != (fallback_owner.pk if fallback_owner else None):
        routing.fallback_owner = fallback_owner
        validated_save(routing)
    return routing


_UNSET = object()


@transaction.atomic
def territory_create(
    *,
    name: str,
    code: str,
    calendar: BusinessCalendar,
    parent: Territory | None = None,
    manager: User | None = None,
    fallback_owner: User | None = None,
) -> Territory:
    """A new territory (a region when it has no parent), with its routing row."""
    _lock_tree()
    territory = validated_save(Territory(name=name, code=code, calendar=calendar, parent=parent, manager=manager))
    _set_fallback_owner(territory, fallback_owner)
    return territory


@transaction.atomic
def territory_update(*, territory_id: int, data: dict, fallback_owner=_UNSET) -> Territory:
    """Change a territory's fields (`TERRITORY_FIELDS`) and, when given, its fallback owner."""
    _lock_tree()
    territory = Territory.objects.select_related("parent").get(pk=territory_id)
    unknown = set(data) - set(TERRITORY_FIELDS)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", field=min(unknown)
        )
    for name, value in data.items():
        setattr(territory, name, value)
    _refuse_cycle(territory)
    validated_save(territory)
    if fallback_owner is not _UNSET:
        _set_fallback_owner(territory, fallback_owner)
    return territory


@transaction.atomic
def territory_rule_create(
    *, territory: Territory, account: Account | None = None, country: str = "", segment: str = ""
) -> TerritoryRule:
    """A rule sending leads of a named account, or of a country and/or segment, to `territory`."""
    rule = TerritoryRule(territory=territory, account=account, country=country or "", segment=segment or "")
    try:
        with transaction.atomic():
            validated_save(rule)
    except IntegrityError as error:  # another rule of the same account or pair was saved meanwhile
        field = "account" if account else "country" if country else "segment"
        raise ApplicationError("Another rule routes these leads already.", field=field, code="taken") from error
    TerritoryRouting.objects.get_or_create(territory=territory)
    return rule


@transaction.atomic
def territory_rule_delete(*, rule_id: int) -> None:
    TerritoryRule.objects.filter(pk=rule_id).delete()


@transaction.atomic
def territory_member_add(
    *, territory: Territory, user: User, weight: int = 1, cap: int | None = None
) -> TerritoryMember:
    """`user` takes a share (`weight`) of the territory's routed leads, up to `cap` open hand-offs."""
    if TerritoryMember.objects.filter(territory=territory, user=user).exists():
        raise ApplicationError(f"{user} is a member of {territory} already.", field="user", code="taken")
    member = validated_save(TerritoryMember(territory=territory, user=user, weight=weight, cap=cap))
    TerritoryRouting.objects.get_or_create(territory=territory)
    return member


@transaction.atomic
def territory_member_update(*, member_id: int, data: dict) -> TerritoryMember:
    """Change a member's weight or cap; their round-robin score is kept."""
    member = TerritoryMember.objects.select_for_update().select_related("user").get(pk=member_id)
    unknown = set(data) - set(MEMBER_FIELDS)
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}.", field=min(unknown)
        )
    for name, value in data.items():
        setattr(member, name, value)
    return validated_save(member)


@transaction.atomic
def territory_member_remove(*, member_id: int) -> None:
    TerritoryMember.objects.filter(pk=member_id).delete()
