"""Demo data for `manage.py seed_demo`: the people every time, the company's records once."""

import datetime as dt
import random
from decimal import Decimal

import factory.random
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.core.factories import (
    AccountFactory,
    BusinessCalendarFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    TerritoryFactory,
)
from apps.core.models import (
    Account,
    ExchangeRate,
    Lead,
    LeadStage,
    LeadTransition,
    OpportunityStage,
    Role,
    User,
)

DEMO_PEOPLE = [
    # username, first, last, roles, manager, territory code
    ("salesops", "Sam", "Ortega", [Role.SALES_OPS], None, None),
    ("marketingops", "Mia", "Laurent", [Role.MARKETING_OPS], None, None),
    ("vp", "Vera", "Petrov", [Role.MANAGER], None, None),
    ("manager", "Max", "Becker", [Role.MANAGER], "vp", "emea"),
    ("rep", "Rita", "Evans", [Role.REP], "manager", "emea"),
    ("rep2", "Jonas", "Keller", [Role.REP], "manager", "emea"),
    ("manager2", "Nora", "Hughes", [Role.MANAGER], "vp", "na"),
    ("rep3", "Luis", "Moreno", [Role.REP], "manager2", "na"),
    ("rep4", "Amy", "Chen", [Role.REP], "manager2", "na"),
]


def _territories():
    emea_cal = BusinessCalendarFactory(name="EMEA (Berlin)", timezone="Europe/Berlin", holiday_country="DE")
    na_cal = BusinessCalendarFactory(name="North America (New York)", timezone="America/New_York", holiday_country="US")
    return {
        "emea": TerritoryFactory(code="emea", name="EMEA", calendar=emea_cal),
        "na": TerritoryFactory(code="na", name="North America", calendar=na_cal),
    }


def _people(password: str, territories) -> dict[str, User]:
    people: dict[str, User] = {}
    admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.com"})
    admin.is_superuser = admin.is_staff = True
    admin.set_password(password)
    admin.save()
    people["admin"] = admin
    for username, first, last, roles, manager, territory in DEMO_PEOPLE:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, f"{username}@example.com"
        user.manager = people.get(manager)
        user.territory = territories.get(territory)
        user.is_staff = Role.SALES_OPS in roles or Role.MARKETING_OPS in roles
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
        people[username] = user
    for code, manager in (("emea", "manager"), ("na", "manager2")):
        territories[code].manager = people[manager]
        territories[code].save(update_fields=["manager"])
    return people


# A path through the lifecycle to each stage, so that demo leads carry a believable transition history.
_PATHS = {
    LeadStage.NEW: [],
    LeadStage.MQL: [LeadStage.MQL],
    LeadStage.SQL: [LeadStage.MQL, LeadStage.SQL],
    LeadStage.SAL: [LeadStage.MQL, LeadStage.SQL, LeadStage.SAL],
    LeadStage.OPPORTUNITY: [LeadStage.MQL, LeadStage.SQL, LeadStage.SAL, LeadStage.OPPORTUNITY],
    LeadStage.RECYCLED: [LeadStage.MQL, LeadStage.SQL, LeadStage.RECYCLED],
    LeadStage.DISQUALIFIED: [LeadStage.DISQUALIFIED],
}
_STAGE_WEIGHTS = {
    LeadStage.NEW: 20,
    LeadStage.MQL: 20,
    LeadStage.SQL: 15,
    LeadStage.SAL: 15,
    LeadStage.OPPORTUNITY: 10,
    LeadStage.RECYCLED: 10,
    LeadStage.DISQUALIFIED: 10,
}


def _records(people: dict[str, User], territories, accounts: int) -> None:
    reps = [people[name] for name in ("rep", "rep2", "rep3", "rep4")]
    marketing = people["marketingops"]
    now = timezone.now()
    for index in range(accounts):
        rep = reps[index % len(reps)]
        account = AccountFactory(domain=f"demo{index}.example", owner=rep, territory=rep.territory)
        for _ in range(random.randint(1, 4)):
            contact = ContactFactory(account=account)
            if random.random() < 0.08:
                contact.email_opt_out, contact.consent_status = True, "withdrawn"
                contact.consent_source, contact.consent_at = "unsubscribe link", now
                contact.save()
            stage = random.choices(list(_STAGE_WEIGHTS), weights=list(_STAGE_WEIGHTS.values()))[0]
            created = now - dt.timedelta(hours=random.randint(2, 24 * 60))
            owned = stage not in (LeadStage.NEW, LeadStage.MQL, LeadStage.DISQUALIFIED)
            lead = LeadFactory(contact=contact, stage=stage, owner=rep if owned else None, created_at=created)
            _history(lead, created, now, rep, marketing)
            if stage == LeadStage.OPPORTUNITY:
                open_or_closed = random.choice(list(OpportunityStage.values))
                OpportunityFactory(
                    account=account,
                    owner=rep,
                    source_lead=lead,
                    stage=open_or_closed,
                    amount=Decimal(random.randint(5, 300)) * 1000,
                    currency="EUR",
                )


def _history(lead: Lead, created, now, rep: User, marketing: User) -> None:
    at, previous, actor = created, LeadStage.NEW, None
    rows = [LeadTransition(lead=lead, from_stage="", to_stage=LeadStage.NEW, at=at)]
    for step in _PATHS[lead.stage]:
        at = min(at + dt.timedelta(hours=random.randint(1, 72)), now)
        actor = marketing if step in (LeadStage.MQL, LeadStage.SQL, LeadStage.DISQUALIFIED) else rep
        reason = lead.stage_reason if step in (LeadStage.RECYCLED, LeadStage.DISQUALIFIED) else ""
        rows.append(LeadTransition(lead=lead, from_stage=previous, to_stage=step, actor=actor, reason=reason, at=at))
        previous = step
    if lead.stage == LeadStage.SQL and random.random() < 0.5:
        # Half the hand-offs are fresh, so that reps have leads whose acceptance clock is still running.
        at = rows[-1].at = now - dt.timedelta(minutes=random.randint(10, 360))
    LeadTransition.objects.bulk_create(rows)
    Lead.objects.filter(pk=lead.pk).update(stage_changed_at=at, stage_changed_by=actor)


@transaction.atomic
def demo_seed(*, password: str, accounts: int = 300) -> str:
    """Idempotent: the people and their passwords are refreshed every run; records are made only once."""
    random.seed(20261123)
    factory.random.reseed_random(20261123)
    territories = _territories()
    people = _people(password, territories)
    _rates(timezone.localdate())
    if Account.objects.filter(domain__endswith=".example", domain__startswith="demo").exists():
        return "Demo logins refreshed; demo records already present."
    _records(people, territories, accounts)
    return f"Demo data created: {Account.objects.count()} accounts, {Lead.objects.count()} leads."


def _rates(today: dt.date) -> None:
    """Weekly EUR and GBP rates (and USD, when it is not the company currency) around today, kept if present."""
    rng = random.Random(20261123)
    base = {"EUR": Decimal("1.08"), "GBP": Decimal("1.27"), "USD": Decimal("1")}
    base.pop(settings.COMPANY_CURRENCY, None)
    rows, day = [], today - dt.timedelta(days=182)
    while day <= today + dt.timedelta(days=126):
        for currency, rate in base.items():
            rows.append(
                ExchangeRate(currency=currency, valid_on=day, rate=rate + Decimal(rng.randint(-300, 300)) / 10000)
            )
        day += dt.timedelta(days=7)
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
