"""Read paths of core: who sees what, and the list querysets the API, admin and pages share."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from knox.models import AuthToken

from apps.core import business_time
from apps.core.exchange_rates import RateBook
from apps.core.models import Account, BusinessCalendar, Contact, Lead, Opportunity, User, WorkerHeartbeat
from apps.core.models.customers import LeadStage
from apps.core.models.pipeline import OPEN_CATEGORIES, ForecastCategory
from apps.core.permissions import scope_of, team_of, visible_leads, visible_opportunities
from apps.core.pipeline import open_pipeline, pipeline_definition

# How many rows a home page list shows before "see all".
HOME_LIST_SIZE = 10


def lead_list(*, user: User) -> QuerySet[Lead]:
    """Leads `user` may see, with owner, account and contact joined in (for pages and reports)."""
    return visible_leads(user, Lead.objects.select_related("owner", "account", "contact"))


# What the API shows of a lead: its own columns and those of its owner, account and contact.
LEAD_ROW_FIELDS = (
    "id",
    "stage",
    "source",
    "score",
    "stage_reason",
    "stage_changed_at",
    "created_at",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
    "account_id",
    "account__name",
    "account__domain",
    "account__segment",
    "contact_id",
    "contact__email",
    "contact__first_name",
    "contact__last_name",
)


def lead_rows(*, user: User) -> QuerySet[dict]:
    """The API's read model of leads: flat rows of what `user` may see, in one joined query.

    Rows, not model instances: building four instances per lead was half the time of a page of fifty.
    """
    return visible_leads(user).values(*LEAD_ROW_FIELDS)


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    return visible_opportunities(user, Opportunity.objects.select_related("owner", "account"))


def account_list(*, user: User) -> QuerySet[Account]:
    """Accounts are shared reference data: everyone signed in may read them."""
    return Account.objects.select_related("owner", "territory")


def contact_list(*, user: User) -> QuerySet[Contact]:
    return Contact.objects.select_related("account")


def home_summary(*, user: User) -> dict:
    """What the home page shows: counts by stage over what `user` may see, and the newest open leads."""
    by_stage = dict(visible_leads(user).values_list("stage").annotate(n=Count("id")).order_by())
    scope = scope_of(user)
    awaiting = list(lead_list(user=user).filter(stage=LeadStage.SQL).order_by("stage_changed_at")[:HOME_LIST_SIZE])
    summary = {
        "scope": scope,
        "lead_stages": [(value, label, by_stage.get(value, 0)) for value, label in LeadStage.choices],
        "leads_total": sum(by_stage.values()),
        "awaiting_acceptance": awaiting,
        "awaiting_total": by_stage.get(LeadStage.SQL, 0),
        **open_pipeline_summary(user=user, today=timezone.localdate()),
    }
    if scope == "team":
        summary["team"] = (
            User.objects.filter(pk__in=team_of(user) - {user.pk})
            .annotate(
                handed_off=Count("leads", filter=Q(leads__stage=LeadStage.SQL)),
                accepted=Count("leads", filter=Q(leads__stage=LeadStage.SAL)),
            )
            .order_by("last_name", "username")
        )
    return summary


@dataclass
class PipelineLine:
    """One forecast category of open pipeline: its stages, how many opportunities, the amount in the company
    currency, and the currencies that could not be converted (no rate)."""

    category: str
    label: str
    stages: list[str]
    n: int = 0
    total: Decimal = Decimal(0)
    unconverted: set[str] = field(default_factory=set)


def open_pipeline_summary(*, user: User, today: dt.date) -> dict:
    """Open pipeline `user` may see, by forecast category (apps/core/pipeline.py's definition), in the company
    currency at today's rate: three queries (the definition, the sums, the rates)."""
    definition = pipeline_definition()
    open_opps = visible_opportunities(user, open_pipeline(Opportunity.objects.all(), definition))
    rows = list(open_opps.values("stage", "currency").annotate(total=Sum("amount"), n=Count("id")).order_by())
    lines = {
        category: PipelineLine(category, ForecastCategory(category).label, list(definition.stages(category)))
        for category in OPEN_CATEGORIES
    }
    rates = RateBook({row["currency"] for row in rows}, today, today) if rows else None
    for row in rows:
        line = lines[definition.categories[row["stage"]]]
        line.n += row["n"]
        rate = rates.rate(row["currency"], today)
        if rate is None:
            line.unconverted.add(row["currency"])
        else:
            line.total += row["total"] * rate
    pipeline = [line for line in lines.values() if line.n]
    return {
        "pipeline": pipeline,
        "pipeline_total": sum((line.total for line in pipeline), Decimal(0)),
        "pipeline_count": sum(line.n for line in pipeline),
        "pipeline_unconverted": sorted(set().union(*(line.unconverted for line in pipeline))),
        "company_currency": settings.COMPANY_CURRENCY,
    }


def worker_health(*, now: dt.datetime, process_started_at: dt.datetime, max_age: dt.timedelta) -> tuple[bool, str]:
    """Whether a Celery worker has been heard from within `max_age`, and a line saying so.

    No heartbeat at all is "starting" (healthy) for `max_age` after this web process started: a fresh
    `make run` starts web, worker and beat together, and the worker writes its first heartbeat on start.
    """
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if last is None:
        if now - process_started_at <= max_age:
            return True, "starting: no heartbeat yet"
        return False, "never heard from: is a worker (and beat) running?"
    age = now - last.seen_at
    if age > max_age:
        seen = f"{last.worker} at {last.seen_at:%Y-%m-%dT%H:%M:%SZ}"
        return False, f"not heard from for {int(age.total_seconds())} s (last: {seen}); is a worker (and beat) running?"
    return True, "ok"


def api_token_list(*, user: User):
    """Live API tokens `user` may see and revoke: their own, or everyone's for those who manage tokens."""
    tokens = AuthToken.objects.select_related("user").filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
    if not user.has_perm("knox.view_authtoken"):
        tokens = tokens.filter(user=user)
    return tokens.order_by("-created")


def calendar_schedules(calendar_ids) -> dict[int | None, business_time.Schedule]:
    """Each calendar's schedule, read once (None: around the clock), for pages and scans over many clocks."""
    schedules = {None: business_time.always()}
    for calendar in BusinessCalendar.objects.filter(pk__in=set(calendar_ids) - {None}).prefetch_related(
        "working_hours", "holidays"
    ):
        schedules[calendar.pk] = calendar.schedule()
    return schedules
