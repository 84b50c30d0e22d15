"""Demo territory tree and routing for `manage.py seed_demo`: EMEA and North America (core's demo territories) as
regions, territories under them with country and segment rules, the demo reps as members, managers as fallback.

Idempotent: run it again and nothing is added twice. Needs core's demo people (`apps.core.services.demo`).
"""

from django.db import transaction

from apps.core.models import Account, Territory, User
from apps.sales_ops.coverage.models import TerritoryMember, TerritoryRouting, TerritoryRule

# code, name, region code, rules (country, segment), members (username, weight, cap), fallback owner
DEMO_TREE = [
    (
        "emea-dach",
        "EMEA-DACH",
        "emea",
        [("DE", ""), ("AT", ""), ("CH", "")],
        [("rep", 2, 25), ("rep2", 1, 25)],
        "manager",
    ),
    ("emea-west", "EMEA-West", "emea", [("GB", ""), ("FR", ""), ("NL", ""), ("SE", "")], [("rep2", 1, 20)], "manager"),
    (
        "na-enterprise",
        "NA-Enterprise",
        "na",
        [("US", "enterprise"), ("CA", "enterprise")],
        [("rep3", 1, 15)],
        "manager2",
    ),
    ("na-commercial", "NA-Commercial", "na", [("US", ""), ("CA", "")], [("rep3", 1, 30), ("rep4", 2, 30)], "manager2"),
]


@transaction.atomic
def routing_demo_seed() -> str:
    regions = {t.code: t for t in Territory.objects.filter(code__in={row[2] for row in DEMO_TREE})}
    people = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    if len(regions) < 2 or len(people) < len(_usernames()):
        return "Routing demo skipped: run core's demo seed first (its regions and people)."
    for code, name, region, rules, members, fallback in DEMO_TREE:
        territory, _ = Territory.objects.get_or_create(
            code=code, defaults={"name": name, "parent": regions[region], "calendar": regions[region].calendar}
        )
        TerritoryRouting.objects.update_or_create(territory=territory, defaults={"fallback_owner": people[fallback]})
        for country, segment in rules:
            TerritoryRule.objects.get_or_create(
                account=None, country=country, segment=segment, defaults={"territory": territory}
            )
        for username, weight, cap in members:
            TerritoryMember.objects.get_or_create(
                territory=territory, user=people[username], defaults={"weight": weight, "cap": cap}
            )
    # One named account: the largest demo account of Germany goes to DACH whatever its segment.
    named = Account.objects.filter(domain__startswith="demo", country="DE").order_by("-annual_revenue").first()
    if named is not None and not TerritoryRule.objects.filter(account=named).exists():
        TerritoryRule.objects.create(territory=Territory.objects.get(code="emea-dach"), account=named)
    rules = TerritoryRule.objects.count()
    return f"Routing demo: {len(DEMO_TREE)} territories under EMEA and North America, {rules} rules."


def _usernames() -> set[str]:
    return {m[0] for row in DEMO_TREE for m in row[4]} | {row[5] for row in DEMO_TREE}
