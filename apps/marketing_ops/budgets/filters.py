"""FilterSets of campaign budgets, one per listable model."""

import django_filters as filters

from apps.core.api.filters import IdFilter
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignStatus, Channel, SpendEntry, SpendKind


class CampaignFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    status = filters.MultipleChoiceFilter(choices=CampaignStatus.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    quarter = filters.CharFilter(field_name="fiscal_quarter")
    owner = IdFilter(field_name="owner_id")
    program = IdFilter(field_name="program_id")
    envelope = IdFilter(field_name="envelope_id")

    class Meta:
        model = Campaign
        fields = ["q", "status", "channel", "quarter", "owner", "program", "envelope"]


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
