"""FilterSets of the deal desk, shared by the API (`/api/v1/deal-desk/requests/`) and the portal's list."""

import django_filters as filters

from apps.core.api.filters import DecimalFilter, IdFilter, every_word
from apps.core.models.customers import Segment
from apps.sales_ops.deal_desk import selectors as selectors
from apps.sales_ops.deal_desk.models import (
    DealRequest,
)


class DealRequestFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Search", max_length=100)
    status = filters.MultipleChoiceFilter(choices=DealRequest.Status.choices)
    requester = IdFilter(field_name="requester_id", label="Rep")
    opportunity = IdFilter(field_name="opportunity_id")
    account = IdFilter(field_name="opportunity__account_id", label="Account")
    segment = filters.MultipleChoiceFilter(
        field_name="opportunity__account__segment", choices=Segment.choices, label="Segment"
    )
    territory = IdFilter(field_name="opportunity__account__territory_id", label="Territory")
    submitted_after = filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte", label="Submitted from")
    submitted_before = filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt", label="Submitted before")
    discount_min = DecimalFilter(field_name="discount_percent", lookup_expr="gte", label="Discount at least %")
    discount_max = DecimalFilter(field_name="discount_percent", lookup_expr="lte", label="Discount at most %")
    inbox = filters.BooleanFilter(method="filter_inbox", label="Waiting for your decision now")

    class Meta:
        model = DealRequest
        # In this order on the page's form.
        fields = [
            "q",
            "status",
            "requester",
            "inbox",
            "segment",
            "territory",
            "submitted_after",
            "submitted_before",
            "discount_min",
            "discount_max",
            "currency",
            "opportunity",
            "account",
        ]

    def filter_q(self, queryset, name, value):
        """The opportunity's or its account's name containing every word of `value`."""
        return every_word(queryset, value, "opportunity__name", "opportunity__account__name")

    def filter_inbox(self, queryset, name, value):
        waiting = selectors.deal_inbox(user=self.request.user).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)
