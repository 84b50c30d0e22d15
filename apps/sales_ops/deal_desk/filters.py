"""FilterSets of the deal desk."""

import django_filters as filters

from apps.core.api.filters import IdFilter
from apps.sales_ops.deal_desk import selectors as selectors
from apps.sales_ops.deal_desk.models import (
    DealRequest,
)


class DealRequestFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=DealRequest.Status.choices)
    requester = IdFilter(field_name="requester_id")
    opportunity = IdFilter(field_name="opportunity_id")
    inbox = filters.BooleanFilter(method="filter_inbox", label="Waiting for your decision now")

    class Meta:
        model = DealRequest
        fields = ["status", "requester", "opportunity", "inbox"]

    def filter_inbox(self, queryset, name, value):
        waiting = selectors.deal_inbox(user=self.request.user).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)
