"""FilterSets of the lead SLAs."""

import django_filters as filters

from apps.core.api.filters import IdFilter
from apps.sales_ops.models import SlaClock


class SlaClockFilter(filters.FilterSet):
    lead = IdFilter(field_name="lead_id")
    owner = IdFilter(field_name="lead__owner_id")
    state = filters.MultipleChoiceFilter(choices=SlaClock.State.choices)
    due_before = filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    due_after = filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    open = filters.BooleanFilter(field_name="stopped_at", lookup_expr="isnull")

    class Meta:
        model = SlaClock
        fields = ["lead", "owner", "state", "due_before", "due_after", "open"]
