"""FilterSets of the content library: `AssetFilter`, shared by the library page and `/api/v1/content/assets/`;
`ContentShareFilter` for `/api/v1/content/shares/`."""

import django_filters as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.api.filters import IdFilter
from apps.core.models.customers import Segment
from apps.core.permissions import is_content_curator
from apps.marketing_ops.content.models import (
    Asset,
    AssetKind,
    AssetStatus,
    Audience,
    ContentShare,
    FunnelStage,
    Language,
    Tag,
)
from apps.marketing_ops.content.search import asset_search


class AssetFilter(filters.FilterSet):
    """Search and facets of the library. `status` is offered to curators only: everyone else sees live assets
    (and their own), so the filter would only ever narrow to "published".

    Build it with `request=` (the page, DRF's filter backend) or `user=` (selectors, tasks); with neither, it acts
    for nobody in particular and offers no `status`.
    """

    q = filters.CharFilter(method="filter_q", label="Search")
    kind = filters.MultipleChoiceFilter(choices=AssetKind.choices)
    tag = filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Tag.objects.all(), method="filter_tag", label="Tag (any of)"
    )
    product = filters.CharFilter(lookup_expr="iexact")
    segment = filters.MultipleChoiceFilter(choices=Segment.choices)
    funnel_stage = filters.MultipleChoiceFilter(choices=FunnelStage.choices)
    language = filters.MultipleChoiceFilter(choices=Language.choices)
    audience = filters.ChoiceFilter(choices=Audience.choices)
    status = filters.MultipleChoiceFilter(choices=AssetStatus.choices)

    class Meta:
        model = Asset
        fields = ["q", "kind", "tag", "product", "segment", "funnel_stage", "language", "audience", "status"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        if self.user is None or not is_content_curator(self.user):
            self.filters.pop("status")

    def filter_q(self, queryset, name, value):
        return asset_search(queryset, value)

    @extend_schema_field(OpenApiTypes.STR)  # a tag's slug (the schema cannot guess it from the method)
    def filter_tag(self, queryset, name, value):
        # A subquery, not a join: no duplicate rows to make distinct (DISTINCT over the search vector is costly).
        if not value:
            return queryset
        tagged = Asset.tags.through.objects.filter(tag__in=value).values("asset_id")
        return queryset.filter(pk__in=tagged)

    def filter_queryset(self, queryset):
        # The search last: it checks whether anything matches to choose its fallback, so it must see the facets.
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if "q" in self.form.cleaned_data:
            queryset = self.filters["q"].filter(queryset, self.form.cleaned_data["q"])
        return queryset


class ContentShareFilter(filters.FilterSet):
    """Shares of one asset, or on one opportunity."""

    asset = IdFilter(field_name="asset_id")
    opportunity = IdFilter(field_name="opportunity_id")

    class Meta:
        model = ContentShare
        fields = ["asset", "opportunity"]
