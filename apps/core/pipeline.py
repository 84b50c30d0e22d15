"""The one definition of pipeline every report reads: which stages are open pipeline, commit, best case, won, lost.

Sales ops keep it as data (`StageForecastCategory`, in the admin, each change in its history); this module reads it
(one query) and answers "is this pipeline?" as stage sets and queryset filters. A deal belongs to the fiscal quarter
of its close date (`apps/core/quarters.py`). Where a deal came from is the lead it was converted from: a lead of a
marketing source (web, event, webinar, content, paid media) makes it marketing-sourced, a partner or referral lead
partner-sourced, anything else, or no lead at all, sales-sourced. (Campaign touches live in marketing ops, which core
must not read; marketing automation sets the lead's source from its first touch.)
"""

from dataclasses import dataclass

from django.db.models import Case, QuerySet, Value, When

from apps.core.models import ForecastCategory, StageForecastCategory
from apps.core.models.customers import LeadSource
from apps.core.models.pipeline import DEFAULT_CATEGORIES, OPEN_CATEGORIES
from apps.core.quarters import quarter_bounds


class Origin:
    MARKETING = "marketing"
    SALES = "sales"
    PARTNER = "partner"
    LABELS = {"marketing": "Marketing-sourced", "sales": "Sales-sourced", "partner": "Partner-sourced"}


MARKETING_SOURCES = (LeadSource.WEB, LeadSource.EVENT, LeadSource.WEBINAR, LeadSource.CONTENT, LeadSource.PAID)
PARTNER_SOURCES = (LeadSource.PARTNER, LeadSource.REFERRAL)


@dataclass(frozen=True)
class PipelineDefinition:
    """Each stage's forecast category, as read at one moment."""

    categories: dict[str, str]

    def stages(self, *categories: str) -> tuple[str, ...]:
        return tuple(sorted(stage for stage, category in self.categories.items() if category in categories))

    @property
    def open_stages(self) -> tuple[str, ...]:
        return self.stages(*OPEN_CATEGORIES)

    @property
    def won_stages(self) -> tuple[str, ...]:
        return self.stages(ForecastCategory.CLOSED_WON)

    @property
    def lost_stages(self) -> tuple[str, ...]:
        return self.stages(ForecastCategory.CLOSED_LOST)

    @property
    def closed_stages(self) -> tuple[str, ...]:
        return self.stages(ForecastCategory.CLOSED_WON, ForecastCategory.CLOSED_LOST)

    @property
    def counted_stages(self) -> tuple[str, ...]:
        """Every stage but the omitted ones."""
        return self.stages(*(c for c in ForecastCategory.values if c != ForecastCategory.OMITTED))

    def as_dict(self) -> dict[str, str]:
        """What a snapshot keeps of the definition it used."""
        return dict(sorted(self.categories.items()))


def pipeline_definition() -> PipelineDefinition:
    """The definition now (one query); a stage sales ops have not categorised keeps its default category."""
    stored = dict(StageForecastCategory.objects.values_list("stage", "category"))
    return PipelineDefinition(categories={**{str(k): str(v) for k, v in DEFAULT_CATEGORIES.items()}, **stored})


def open_pipeline(queryset: QuerySet, definition: PipelineDefinition | None = None) -> QuerySet:
    """Opportunities in an open forecast category (pipeline, best case, commit)."""
    return queryset.filter(stage__in=(definition or pipeline_definition()).open_stages)


def closed_won(queryset: QuerySet, definition: PipelineDefinition | None = None) -> QuerySet:
    return queryset.filter(stage__in=(definition or pipeline_definition()).won_stages)


def closing_in(queryset: QuerySet, quarter: str) -> QuerySet:
    """Opportunities that belong to `quarter`: their close date falls in it."""
    first, last = quarter_bounds(quarter)
    return queryset.filter(close_date__gte=first, close_date__lte=last)


def category_of(definition: PipelineDefinition) -> Case:
    """An annotation: each opportunity's forecast category under `definition`."""
    whens = [When(stage=stage, then=Value(category)) for stage, category in definition.categories.items()]
    return Case(*whens, default=Value(ForecastCategory.OMITTED))


def origin_of(lead_path: str = "source_lead") -> Case:
    """An annotation: where an opportunity came from (`Origin`), by the source of the lead it was converted from."""
    return Case(
        When(**{f"{lead_path}__source__in": MARKETING_SOURCES}, then=Value(Origin.MARKETING)),
        When(**{f"{lead_path}__source__in": PARTNER_SOURCES}, then=Value(Origin.PARTNER)),
        default=Value(Origin.SALES),
    )
