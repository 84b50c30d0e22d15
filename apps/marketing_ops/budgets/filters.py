"""FilterSets of campaign budgets, one per listable model, shared by the API and the portal's campaign list."""

import django_filters as filters

from apps.core.api.filters import IdFilter, every_word
from apps.core.models.customers import Segment
from apps.core.quarters import validate_quarter
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignStatus, Channel, SpendEntry, SpendKind


class CampaignFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Search", max_length=100)
    status = filters.MultipleChoiceFilter(choices=CampaignStatus.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    # A quarter that is not one ("2026-Q5") is a 400 naming the filter, not an empty list.
    quarter = filters.CharFilter(field_name="fiscal_quarter", validators=[validate_quarter], label="Quarter")
    owner = IdFilter(field_name="owner_id")
    program = IdFilter(field_name="program_id")
    envelope = IdFilter(field_name="envelope_id")
    segment = filters.MultipleChoiceFilter(choices=Segment.choices)
    territory = IdFilter(field_name="region_id", label="Territory")
    # Campaigns running at some time in a window: ending on or after its start, starting on or before its end.
    runs_from = filters.DateFilter(field_name="end_date", lookup_expr="gte", label="Running on or after")
    runs_until = filters.DateFilter(field_name="start_date", lookup_expr="lte", label="Running on or before")

    class Meta:
        model = Campaign
        # In this order on the page's form.
        fields = [
            "q",
            "status",
            "channel",
            "quarter",
            "owner",
            "segment",
            "territory",
            "runs_from",
            "runs_until",
            "program",
            "envelope",
        ]

    def filter_q(self, queryset, name, value):
        """The campaign's or its program's name containing every word of `value`."""
        return every_word(queryset, value, "name", "program__name")


class SpendFilter(filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id")
    kind = filters.ChoiceFilter(choices=SpendKind.choices)
    credit_note = filters.BooleanFilter(field_name="is_credit_note")
    vendor = filters.CharFilter(lookup_expr="icontains")
    currency = filters.CharFilter(lookup_expr="iexact")
    external_ref = filters.CharFilter()
    date_after = filters.DateFilter(field_name="spent_on", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="spent_on", lookup_expr="lte")

    class Meta:
        model = SpendEntry
        fields = ["campaign", "kind", "credit_note", "vendor", "currency", "external_ref"]


class EnvelopeFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id")
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    quarter = filters.CharFilter()

    class Meta:
        model = BudgetEnvelope
        fields = ["team", "channel", "quarter"]
