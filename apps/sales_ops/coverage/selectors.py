"""Read paths of quotas and coverage: each rep's, team's and territory's coverage of a quarter, in a fixed number
of aggregate queries whatever the number of reps and deals, cut to what the viewer may see."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, CharField, Count, DateField, Exists, F, OuterRef, QuerySet, Sum, Value, When
from django.utils import timezone

from apps.core import exchange_rates
from apps.core.models import Opportunity, Role, User
from apps.core.models.customers import Segment
from apps.core.models.organisation import full_name
from apps.core.permissions import scope_of
from apps.core.pipeline import Origin, PipelineDefinition, origin_of, pipeline_definition
from apps.core.quarters import quarter_bounds, quarter_shift
from apps.sales_ops.coverage.models import CoverageSnapshot, CoverageSnapshotLine, Quota, TeamQuota
from apps.sales_ops.coverage.services.coverage import ZERO, Figures, Rules, coverage_figures, two_places

TRAILING_QUARTERS = 4
NO_SEGMENT = ""
NO_TERRITORY = "No territory"


@dataclass
class Tally:
    """What the aggregates hold for one rep (or a group of reps), in the company currency."""

    open_pipeline: Decimal = ZERO
    won: Decimal = ZERO
    trailing_won: Decimal = ZERO
    trailing_closed: Decimal = ZERO
    trailing_deals: int = 0
    open_by_segment: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))
    created: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))

    def add(self, other: "Tally") -> None:
        self.open_pipeline += other.open_pipeline
        self.won += other.won
        self.trailing_won += other.trailing_won
        self.trailing_closed += other.trailing_closed
        self.trailing_deals += other.trailing_deals
        for segment, amount in other.open_by_segment.items():
            self.open_by_segment[segment] += amount
        for origin, amount in other.created.items():
            self.created[origin] += amount

    def figures(self, quota: Decimal | None, rules: Rules) -> Figures:
        return coverage_figures(
            quota=quota,
            open_pipeline=self.open_pipeline,
            won=self.won,
            trailing_won=self.trailing_won,
            trailing_closed=self.trailing_closed,
            trailing_deals=self.trailing_deals,
            rules=rules,
        )


@dataclass
class CoverageLine:
    """One rep's, team's or territory's coverage of the quarter."""

    key: str
    label: str
    figures: Figures
    tally: Tally
    rep_id: int | None = None
    manager_id: int | None = None
    territory: str = NO_TERRITORY
    email: str = ""
    snapshot: CoverageSnapshotLine | None = None

    @property
    def created(self) -> dict[str, Decimal]:
        return {origin: two_places(self.tally.created.get(origin, ZERO)) for origin in Origin.LABELS}

    def as_dict(self) -> dict:
        f = self.figures
        text = lambda value: None if value is None else str(value)  # noqa: E731
        return {
            "key": self.key,
            "label": self.label,
            "rep": self.rep_id,
            "territory": self.territory,
            "quota": text(f.quota),
            "open_pipeline": str(f.open_pipeline),
            "won": str(f.won),
            "gap": str(f.gap),
            "coverage": text(f.coverage),
            "required_multiple": str(f.required_multiple),
            "win_rate": text(f.win_rate),
            "status": f.status,
            "to_source": str(f.to_source),
            "created": {origin: str(amount) for origin, amount in self.created.items()},
            "snapshot": None
            if self.snapshot is None
            else {
                "quota": text(self.snapshot.quota),
                "open_pipeline": str(self.snapshot.open_pipeline),
                "won": str(self.snapshot.won),
                "gap": str(self.snapshot.gap),
                "coverage": text(self.snapshot.coverage),
                "required_multiple": str(self.snapshot.required_multiple),
                "status": self.snapshot.status,
            },
        }


@dataclass
class CoverageReport:
    quarter: str
    today: dt.date
    currency: str
    reps: list[CoverageLine]
    teams: list[CoverageLine]
    territories: list[CoverageLine]
    definition: PipelineDefinition
    rules: Rules
    snapshot: CoverageSnapshot | None
    unconverted: set[tuple[str, dt.date]]

    def to_source(self) -> list[dict]:
        """Marketing's view: the pipeline to source by territory and segment, each rep's shortfall split by the
        segments of their open pipeline (by none when they have none)."""
        cells: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for line in self.reps:
            missing = line.figures.to_source
            if missing <= 0:
                continue
            segments = {s: a for s, a in line.tally.open_by_segment.items() if a > 0}
            total = sum(segments.values(), ZERO)
            if not total:
                cells[(line.territory, NO_SEGMENT)] += missing
                continue
            for segment, amount in segments.items():
                cells[(line.territory, segment)] += missing * amount / total
        labels = dict(Segment.choices)
        return [
            {
                "territory": t,
                "segment": s,
                "segment_label": labels.get(s, "No open pipeline"),
                "to_source": two_places(a),
            }
            for (t, s), a in sorted(cells.items(), key=lambda item: (-item[1], item[0]))
        ]


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    email: str
    manager_id: int | None
    territory: str
    is_rep: bool


def people_index() -> dict[int, _Person]:
    """Every active user with their manager and territory (one query): the tree teams roll up by."""
    is_rep = Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.REP))
    rows = User.objects.filter(is_active=True).annotate(is_rep=is_rep)
    return {
        row["id"]: _Person(
            row["id"],
            full_name(row["first_name"], row["last_name"]) or row["username"],
            row["email"],
            row["manager_id"],
            row["territory__name"] or NO_TERRITORY,
            row["is_rep"],
        )
        for row in rows.values(
            "id", "first_name", "last_name", "username", "email", "manager_id", "territory__name", "is_rep"
        )
    }


def teams_index(people: dict[int, _Person]) -> dict[int, set[int]]:
    """Each person's team, transitively, themselves included (the manager chain, read from memory)."""
    children = defaultdict(set)
    for person in people.values():
        if person.manager_id in people:
            children[person.manager_id].add(person.id)
    teams = {}
    for pk in people:
        seen, frontier = {pk}, {pk}
        while frontier:
            frontier = {c for p in frontier for c in children[p]} - seen
            seen |= frontier
        teams[pk] = seen
    return teams


def visible_rep_ids(user: User, people: dict[int, _Person], teams: dict[int, set[int]]) -> set[int]:
    """Whose coverage `user` may read: everyone's (ops), their team's (a manager, transitively), their own."""
    scope = scope_of(user)
    if scope == "everyone":
        return set(people)
    if scope == "team":
        return set(teams.get(user.pk, {user.pk}))
    return {user.pk}


def coverage_report(
    *,
    user: User,
    quarter: str,
    today: dt.date | None = None,
    rep: int | None = None,
    team: int | None = None,
    territory: str | None = None,
) -> CoverageReport:
    """Coverage of `quarter` for the reps `user` may see, narrowed to a rep, a manager's team or a territory.

    Nine queries whatever the number of reps and opportunities: the definition, people, quotas, team quotas,
    the snapshot and its lines, the open, closed and created aggregates, and the exchange rates.
    """
    today = today or timezone.localdate()
    first, last = quarter_bounds(quarter)
    definition = pipeline_definition()
    rules = Rules.from_settings()
    people = people_index()
    teams = teams_index(people)
    quotas = dict(Quota.objects.filter(quarter=quarter).values_list("rep_id", "amount"))
    visible = visible_rep_ids(user, people, teams)
    if rep is not None:
        visible &= {rep}
    if team is not None:
        visible &= teams.get(team, set())
    if territory is not None:
        visible = {pk for pk in visible if people[pk].territory == territory}
    reps = sorted(
        (pk for pk in visible if people[pk].is_rep or pk in quotas), key=lambda pk: (people[pk].name.lower(), pk)
    )
    tallies = _tallies(reps, quarter, first, last, today, definition)
    snapshot = CoverageSnapshot.objects.filter(quarter=quarter).first()
    snapshot_lines = (
        {line.rep_id: line for line in CoverageSnapshotLine.objects.filter(snapshot=snapshot, rep_id__in=reps)}
        if snapshot
        else {}
    )
    tally_of, unconverted = tallies
    lines = [
        CoverageLine(
            key=str(pk),
            label=people[pk].name,
            figures=tally_of[pk].figures(quotas.get(pk), rules),
            tally=tally_of[pk],
            rep_id=pk,
            manager_id=people[pk].manager_id,
            territory=people[pk].territory,
            email=people[pk].email,
            snapshot=snapshot_lines.get(pk),
        )
        for pk in reps
    ]
    return CoverageReport(
        quarter=quarter,
        today=today,
        currency=settings.COMPANY_CURRENCY,
        reps=lines,
        teams=_team_lines(lines, people, teams, quarter, rules, shown=visible),
        territories=_territory_lines(lines, rules),
        definition=definition,
        rules=rules,
        snapshot=snapshot,
        unconverted=unconverted,
    )


def coverage_aggregates(*, reps, quarter: str, definition: PipelineDefinition) -> dict[str, QuerySet]:
    """The three aggregates coverage is read from, per rep and currency: open pipeline closing in the quarter (by
    segment), deals closed in the quarter and the trailing four (by outcome, per day for foreign currencies), and
    pipeline created in the quarter (by origin). The bench times their SQL alone beside `coverage_report`."""
    company = settings.COMPANY_CURRENCY
    first, last = quarter_bounds(quarter)
    trailing_first, _ = quarter_bounds(quarter_shift(quarter, -TRAILING_QUARTERS))
    deals = Opportunity.objects.filter(owner_id__in=reps).order_by()
    open_rows = (
        deals.filter(stage__in=definition.open_stages, close_date__gte=first, close_date__lte=last)
        .values("owner_id", "currency", segment=F("account__segment"))
        .annotate(total=Sum("amount"))
    )
    # A closed deal counts at the rate of its close date: foreign ones are summed per day, the company's at once.
    day = Case(When(currency=company, then=Value(None)), default=F("close_date"), output_field=DateField())
    outcome = Case(
        *[When(stage=stage, then=Value("won")) for stage in definition.won_stages],
        default=Value("lost"),
        output_field=CharField(),
    )
    period = Case(
        When(close_date__gte=first, then=Value("quarter")), default=Value("trailing"), output_field=CharField()
    )
    closed_rows = (
        deals.filter(stage__in=definition.closed_stages, close_date__gte=trailing_first, close_date__lte=last)
        .annotate(day=day, outcome=outcome, period=period)
        .values("owner_id", "currency", "day", "outcome", "period")
        .annotate(total=Sum("amount"), deals=Count("id"))
    )
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    created_rows = (
        deals.filter(stage__in=definition.counted_stages, created_at__gte=start, created_at__lt=end)
        .annotate(origin=origin_of())
        .values("owner_id", "currency", "origin")
        .annotate(total=Sum("amount"))
    )
    return {"open": open_rows, "closed": closed_rows, "created": created_rows}


def _tallies(reps, quarter, first, last, today, definition) -> tuple[dict[int, Tally], set]:
    """The three aggregates (open, closed, created), converted to the company currency (four queries)."""
    trailing_first, _ = quarter_bounds(quarter_shift(quarter, -TRAILING_QUARTERS))
    aggregates = coverage_aggregates(reps=reps, quarter=quarter, definition=definition)
    open_rows, closed_rows, created_rows = (list(aggregates[name]) for name in ("open", "closed", "created"))
    currencies = {row["currency"] for rows in (open_rows, closed_rows, created_rows) for row in rows}
    rates = exchange_rates.RateBook(currencies, trailing_first, max(today, last))
    unconverted: set[tuple[str, dt.date]] = set()
    # Closed deals come a row per rep, currency and day: tens of thousands of rows over a few hundred distinct
    # (currency, day) pairs, so each pair's rate is looked up once (it was a third of the report's time).
    known: dict[tuple[str, dt.date], Decimal | None] = {}

    def convert(amount: Decimal, currency: str, on: dt.date) -> Decimal:
        key = (currency, on)
        if key not in known:
            known[key] = rates.rate(currency, on)
        rate = known[key]
        if rate is None:
            unconverted.add((currency, on))
            return ZERO
        return amount * rate

    tally_of = {pk: Tally() for pk in reps}
    for row in open_rows:
        amount = convert(row["total"], row["currency"], today)
        tally_of[row["owner_id"]].open_pipeline += amount
        tally_of[row["owner_id"]].open_by_segment[row["segment"] or NO_SEGMENT] += amount
    for row in closed_rows:
        amount = convert(row["total"], row["currency"], row["day"] or today)
        tally = tally_of[row["owner_id"]]
        won = row["outcome"] == "won"
        if row["period"] == "quarter":
            tally.won += amount if won else ZERO
        else:
            tally.trailing_closed += amount
            tally.trailing_deals += row["deals"]
            tally.trailing_won += amount if won else ZERO
    for row in created_rows:
        tally_of[row["owner_id"]].created[row["origin"]] += convert(row["total"], row["currency"], today)
    return tally_of, unconverted


def _group_line(key: str, label: str, members: list[CoverageLine], quota: Decimal | None, rules: Rules) -> CoverageLine:
    tally = Tally()
    for line in members:
        tally.add(line.tally)
    return CoverageLine(key=key, label=label, figures=tally.figures(quota, rules), tally=tally)


def _sum_quota(members: list[CoverageLine]) -> Decimal | None:
    quotas = [line.figures.quota for line in members if line.figures.quota is not None]
    return sum(quotas, ZERO) if quotas else None


def _team_lines(lines, people, teams, quarter, rules, shown) -> list[CoverageLine]:
    """One line per manager the viewer may see with shown reps under them: their team quota set by hand, else
    their reps' sum (a manager above the viewer would show a part of their team as the whole: left out)."""
    by_rep = {line.rep_id: line for line in lines}
    managers = sorted(
        {m for line in lines for m in _chain(line.rep_id, people) if m in shown}, key=lambda pk: people[pk].name.lower()
    )
    set_by_hand = dict(
        TeamQuota.objects.filter(quarter=quarter, manager_id__in=managers).values_list("manager_id", "amount")
    )
    result = []
    for manager in managers:
        members = [by_rep[pk] for pk in sorted(teams[manager]) if pk in by_rep and pk != manager]
        quota = set_by_hand.get(manager, _sum_quota(members))
        line = _group_line(f"team-{manager}", f"Team of {people[manager].name}", members, quota, rules)
        line.manager_id, line.email = manager, people[manager].email
        result.append(line)
    return result


def _chain(pk: int, people: dict[int, _Person]) -> list[int]:
    chain, current = [], people[pk].manager_id
    while current in people and current not in chain and current != pk:
        chain.append(current)
        current = people[current].manager_id
    return chain


def _territory_lines(lines, rules) -> list[CoverageLine]:
    by_territory = defaultdict(list)
    for line in lines:
        by_territory[line.territory].append(line)
    return [
        _group_line(f"territory-{name}", name, members, _sum_quota(members), rules)
        for name, members in sorted(by_territory.items())
    ]


def quota_list(*, user: User) -> QuerySet[Quota]:
    """Quotas `user` may read: everyone's (ops), their team's (a manager), their own (a rep)."""
    from apps.core.permissions import owned_by_visible

    return owned_by_visible(Quota.objects.select_related("rep"), user, owner_field="rep")
