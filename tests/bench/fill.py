"""Fills the bench database with a large, believable company, fast (COPY), and reuses it when it is there."""

import datetime as dt
import itertools
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from apps.core.models import Account, BusinessCalendar, Contact, Lead, Role, Territory, User, WorkingHours
from apps.core.models.customers import ConsentStatus, LeadSource, LeadStage, Segment

BENCH_USER = "bench_salesops"
SEED = 1_000_003  # a fixed seed: every fill builds the same company, so runs compare like with like
TABLES = ["core_lead", "core_contact", "core_account", "core_territory", "core_businesscalendar", "core_user"]


@dataclass(frozen=True)
class Sizes:
    accounts: int
    contacts: int
    leads: int

    @classmethod
    def at_scale(cls, scale: float) -> "Sizes":
        return cls(accounts=int(100_000 * scale), contacts=int(1_000_000 * scale), leads=int(1_000_000 * scale))


# code, name, time zone, holiday country, currency, account countries
TERRITORIES = [
    ("emea", "EMEA", "Europe/Berlin", "DE", "EUR", ["DE", "GB", "FR", "NL", "SE", "ES"]),
    ("na-east", "North America East", "America/New_York", "US", "USD", ["US", "CA"]),
    ("na-west", "North America West", "America/Los_Angeles", "US", "USD", ["US"]),
    ("apac", "APAC", "Asia/Singapore", "SG", "SGD", ["SG", "AU", "JP", "IN"]),
]
REPS_PER_TERRITORY = 11
FIRST_NAMES = (
    "Anna Ben Carla David Elif Felix Grace Hugo Ines Jonas Kira Liam Mara Noah Olga Pablo Quinn Rosa Sven Tara "
    "Umar Vera Wen Ximena Yusuf Zoe Amir Bea Chen Dana Emil Fatima Gil Hana Ivan Jana Kofi Lena Milo Nia"
).split()
LAST_NAMES = (
    "Adams Becker Costa Dubois Evans Fischer Garcia Hughes Ito Jensen Keller Lopez Meyer Novak Okafor Petrov "
    "Quist Rossi Schmidt Tanaka Ulrich Vogel Wagner Xu Young Zimmer Berg Chen Diaz Eriksen Fox Gupta Horvat"
).split()
NAME_WORDS = (
    "north blue river summit cedar harbor iron bright pixel quantum atlas nova delta orbit prairie granite "
    "maple silver falcon lumen vector copper ember alpine coral tidal solar vertex willow"
).split()
NAME_KINDS = "analytics logistics systems health foods labs robotics capital energy media works software".split()
INDUSTRIES = ["Software", "Manufacturing", "Retail", "Finance", "Healthcare", "Logistics", "Education", "Energy"]
TITLES = ["Head of Marketing", "VP Sales", "CTO", "IT Manager", "Procurement Lead", "CFO", "Operations Director"]
STAGE_WEIGHTS = {
    LeadStage.NEW: 22,
    LeadStage.MQL: 20,
    LeadStage.SQL: 8,
    LeadStage.SAL: 10,
    LeadStage.OPPORTUNITY: 6,
    LeadStage.RECYCLED: 22,
    LeadStage.DISQUALIFIED: 12,
}
REASONS = {
    LeadStage.RECYCLED: ["No budget this quarter", "Revisit next fiscal year", "Went dark after first call"],
    LeadStage.DISQUALIFIED: ["Student, not a buyer", "Competitor", "Duplicate of an existing lead", "Too small"],
}
# Weighted draws as a plain list to pick from: a million `rng.choices(weights=…)` calls cost seconds.
CONSENTS = [ConsentStatus.UNKNOWN] * 10 + [ConsentStatus.GRANTED] * 9 + [ConsentStatus.WITHDRAWN]
# Leads that marketing still works (new, mql) are often nobody's yet; from sql on a rep owns them.
UNOWNED_SHARE = {LeadStage.NEW: 0.7, LeadStage.MQL: 0.4}
# The columns each COPY writes, in the order its rows list them.
ACCOUNT_COLUMNS = (
    "id name domain industry segment country employees annual_revenue revenue_currency owner_id territory_id "
    "created_at updated_at"
)
CONTACT_COLUMNS = (
    "id account_id email first_name last_name title phone email_opt_out consent_status consent_source consent_at "
    "created_at updated_at"
)
LEAD_COLUMNS = (
    "id contact_id account_id source score owner_id stage stage_reason stage_changed_at stage_changed_by_id created_at"
)


def is_filled(sizes: Sizes) -> bool:
    """Whether the database already holds this fill (cheap counts, so a re-run skips the fill)."""
    return (
        User.objects.filter(username=BENCH_USER).exists()
        and Account.objects.count() == sizes.accounts
        and Contact.objects.count() == sizes.contacts
        and Lead.objects.count() == sizes.leads
    )


def fill(sizes: Sizes, *, log=print) -> None:
    """Empty the core tables and write the whole company in one transaction, then VACUUM and ANALYZE."""
    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)}, auth_group RESTART IDENTITY CASCADE")
        territories = _territories()
        reps = _people(territories)
        with connection.cursor() as cursor:
            # Check the org's deferred foreign keys now: PostgreSQL refuses to alter a table with pending checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        domains = timed(log, "accounts", lambda: _copy_accounts(sizes, reps, territories, rng, now))
        timed(log, "contacts", lambda: _copy_contacts(sizes, domains, rng, now))
        timed(log, "leads", lambda: _copy_leads(sizes, [rep.pk for rep in reps], rng, now))
        reset_sequences("core_account", "core_contact", "core_lead")
    timed(log, "vacuum analyze", _vacuum_analyze)


def timed(log, label: str, step):
    started = time.perf_counter()
    result = step()
    log(f"  filled {label} in {time.perf_counter() - started:.1f} s")
    return result


def _territories() -> list[tuple[Territory, str, list[str]]]:
    """Each territory with the currency and the countries its accounts are in."""
    result = []
    for code, name, tz, country, currency, countries in TERRITORIES:
        calendar = BusinessCalendar.objects.create(name=f"{name} ({tz})", timezone=tz, holiday_country=country)
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=dt.time(9), end=dt.time(17)) for day in range(5)
        )
        result.append((Territory.objects.create(code=code, name=name, calendar=calendar), currency, countries))
    return result


def _people(territories) -> list[User]:
    """Ops staff, a VP, a manager per territory with their reps; returns the reps."""
    groups = {role: Group.objects.create(name=role) for role in Role.values}
    _user(BENCH_USER, "Sam", "Ortega", groups[Role.SALES_OPS], is_staff=True)
    _user("salesops2", "Priya", "Nair", groups[Role.SALES_OPS], is_staff=True)
    _user("marketingops", "Mia", "Laurent", groups[Role.MARKETING_OPS], is_staff=True)
    vp = _user("vp", "Vera", "Petrov", groups[Role.MANAGER])
    reps, names = [], iter(_names())
    for territory, _currency, _countries in territories:
        first, last = next(names)
        manager = _user(f"mgr-{territory.code}", first, last, groups[Role.MANAGER], manager=vp, territory=territory)
        territory.manager = manager
        territory.save(update_fields=["manager"])
        for n in range(REPS_PER_TERRITORY):
            first, last = next(names)
            reps.append(
                _user(f"rep-{territory.code}-{n}", first, last, groups[Role.REP], manager=manager, territory=territory)
            )
    return reps


def _names() -> Iterator[tuple[str, str]]:
    for i in itertools.count():
        yield FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]


def _user(username: str, first: str, last: str, group: Group, **fields) -> User:
    user = User(username=username, first_name=first, last_name=last, email=f"{username}@bench.example", **fields)
    user.set_unusable_password()  # the bench signs in with force_login; nobody needs these passwords
    user.save()
    user.groups.add(group)
    return user


def copy_rows(table: str, columns: str, rows: Iterable[tuple]) -> None:
    sql = f"COPY {table} ({', '.join(columns.split())}) FROM STDIN"
    with _without_indexes_and_foreign_keys(table), connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def _without_indexes_and_foreign_keys(table: str) -> Iterator[None]:
    """PostgreSQL's advice for bulk loads: build each index and check each foreign key once, not once a row.

    The definitions are read back from the catalogue, so what is rebuilt is exactly what the migrations made;
    rebuilding a unique index or adding a foreign key checks the whole table, so nothing goes unchecked.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = "
            "%s::regclass AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy_accounts(sizes: Sizes, reps: list[User], territories, rng: random.Random, now: dt.datetime) -> list[str]:
    """Write the accounts; return their domains (index i is account id i + 1), which contacts' e-mails use."""
    by_territory = {territory.pk: (currency, countries) for territory, currency, countries in territories}
    span = dt.timedelta(days=5 * 365).total_seconds()
    start = now - dt.timedelta(days=5 * 365)
    domains: list[str] = []

    def rows():
        for i in range(1, sizes.accounts + 1):
            owner = rng.choice(reps)
            currency, countries = by_territory[owner.territory_id]
            word, kind = rng.choice(NAME_WORDS), rng.choice(NAME_KINDS)
            domains.append(f"{word}-{kind}-{i}.com")  # the id keeps domains unique, as the constraint demands
            segment, employees = _segment(rng)
            created = start + dt.timedelta(seconds=span * i / sizes.accounts)
            yield (
                i,
                f"{word.title()} {kind.title()} {i}",
                domains[-1],
                rng.choice(INDUSTRIES),
                segment,
                rng.choice(countries),
                employees,
                f"{employees * rng.randint(50, 400) * 1000}.00",
                currency,
                owner.pk,
                owner.territory_id,
                created,
                created,
            )

    copy_rows("core_account", ACCOUNT_COLUMNS, rows())
    return domains


def _segment(rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.6:
        return Segment.SMB, rng.randint(5, 200)
    if roll < 0.9:
        return Segment.MID_MARKET, rng.randint(200, 2000)
    return Segment.ENTERPRISE, rng.randint(2000, 100_000)


def _contact_account(contact_id: int, sizes: Sizes) -> int:
    """Contacts sit in consecutive blocks per account, so a contact's account is arithmetic."""
    return (contact_id - 1) * sizes.accounts // sizes.contacts + 1


def _copy_contacts(sizes: Sizes, domains: list[str], rng: random.Random, now: dt.datetime) -> None:
    start = now - dt.timedelta(days=4 * 365)
    span = (now - start).total_seconds()

    def rows():
        for i in range(1, sizes.contacts + 1):
            account = _contact_account(i, sizes)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            created = start + dt.timedelta(seconds=span * i / sizes.contacts)
            consent = rng.choice(CONSENTS)
            yield (
                i,
                account,
                f"{first.lower()}.{last.lower()}.{i}@{domains[account - 1]}",
                first,
                last,
                rng.choice(TITLES),
                f"+1 555 {i % 10_000_000:07d}",
                rng.random() < 0.03,
                consent,
                "web form" if consent != ConsentStatus.UNKNOWN else "",
                created if consent == ConsentStatus.GRANTED else None,
                created,
                created,
            )

    copy_rows("core_contact", CONTACT_COLUMNS, rows())


def _copy_leads(sizes: Sizes, rep_ids: list[int], rng: random.Random, now: dt.datetime) -> None:
    """Leads arrive over three years, newest with the highest id, spread across stages, sources and reps."""
    start = now - dt.timedelta(days=3 * 365)
    span = (now - start).total_seconds()
    stages = [stage for stage, weight in STAGE_WEIGHTS.items() for _ in range(weight)]
    sources = LeadSource.values

    def rows():
        for i in range(1, sizes.leads + 1):
            contact = rng.randint(1, sizes.contacts)
            stage = rng.choice(stages)
            owner = None if rng.random() < UNOWNED_SHARE.get(stage, 0) else rng.choice(rep_ids)
            created = start + dt.timedelta(seconds=span * i / sizes.leads)
            changed = created + dt.timedelta(seconds=rng.random() * min(45 * 86400, (now - created).total_seconds()))
            yield (
                i,
                contact,
                _contact_account(contact, sizes),
                rng.choice(sources),
                rng.randint(0, 100),
                owner,
                stage,
                rng.choice(REASONS[stage]) if stage in REASONS else "",
                changed,
                owner if stage != LeadStage.NEW else None,
                created,
            )

    copy_rows("core_lead", LEAD_COLUMNS, rows())


def reset_sequences(*tables: str) -> None:
    """COPY wrote explicit ids; move each identity past them so the next insert does not collide."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {table}",
                [table],
            )


def _vacuum_analyze() -> None:
    """Statistics for the planner, and the visibility map that autovacuum would soon build in production anyway.

    Doing it now also keeps autovacuum from waking up on these tables in the middle of the measurements.
    """
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
