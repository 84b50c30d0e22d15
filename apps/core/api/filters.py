"""FilterSets of core, one per listable model, shared by the API (and the pages that list them)."""

import django_filters as filters
from django import forms
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from apps.core.models import Account, Contact, Lead, Opportunity
from apps.core.models.customers import LeadSource, LeadStage, OpportunityStage, Segment

MAX_ID = 2**63 - 1


class FilterBackend(DjangoFilterBackend):
    """django-filter, minus the cost of building and validating a form when no filter was asked for."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(name in request.query_params for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A record id: a whole number that a 64-bit key can hold, or the request is a 400 naming the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class DecimalFilter(filters.NumberFilter):
    """A number a decimal column can be compared with: at most 20 digits, 6 of them after the point, else a 400
    naming the filter. django-filter bounds only the size (1e50): `1e-20000` reached PostgreSQL as a numeric it
    cannot hold, a DataError that aborts the transaction it runs in."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 6)
        super().__init__(*args, **kwargs)


class AccountFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    domain = filters.CharFilter(lookup_expr="iexact")
    segment = filters.MultipleChoiceFilter(choices=Segment.choices)
    country = filters.CharFilter(lookup_expr="iexact")
    owner = IdFilter(field_name="owner_id")
    territory = IdFilter(field_name="territory_id")

    class Meta:
        model = Account
        fields = ["q", "domain", "segment", "country", "industry", "owner", "territory"]


class ContactFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Search", max_length=100)
    account = IdFilter(field_name="account_id")
    segment = filters.MultipleChoiceFilter(field_name="account__segment", choices=Segment.choices, label="Segment")
    email = filters.CharFilter(lookup_expr="iexact")
    can_be_emailed = filters.BooleanFilter(method="filter_can_be_emailed")

    class Meta:
        model = Contact
        fields = ["account", "email", "consent_status", "email_opt_out", "can_be_emailed"]

    def filter_can_be_emailed(self, queryset, name, value):
        return queryset.filter(Contact.EMAILABLE) if value else queryset.exclude(Contact.EMAILABLE)

    def filter_q(self, queryset, name, value):
        """The contact's name or e-mail, or their account's name, containing every word of `value`."""
        return every_word(queryset, value, "first_name", "last_name", "email", "account__name")


class LeadFilter(filters.FilterSet):
    """Leads, for the API and marketing's hand-off page alike."""

    q = filters.CharFilter(method="filter_q", label="Search", max_length=100)
    stage = filters.MultipleChoiceFilter(choices=LeadStage.choices)
    source = filters.MultipleChoiceFilter(choices=LeadSource.choices)
    owner = IdFilter(field_name="owner_id")
    account = IdFilter(field_name="account_id")
    contact = IdFilter(field_name="contact_id")
    segment = filters.MultipleChoiceFilter(field_name="account__segment", choices=Segment.choices, label="Segment")
    territory = IdFilter(field_name="account__territory_id", label="Territory")
    country = filters.CharFilter(field_name="account__country", lookup_expr="iexact", max_length=2, label="Country")
    score_min = DecimalFilter(field_name="score", lookup_expr="gte", label="Score from")
    score_max = DecimalFilter(field_name="score", lookup_expr="lte", label="Score up to")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="Created from")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Created before")

    class Meta:
        model = Lead
        fields = ["stage", "source", "owner", "account", "contact"]

    def filter_q(self, queryset, name, value):
        """The account's name, or the contact's name or e-mail, containing every word of `value`."""
        return every_word(
            queryset, value, "account__name", "contact__first_name", "contact__last_name", "contact__email"
        )


class OpportunityFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label="Search", max_length=100)
    stage = filters.MultipleChoiceFilter(choices=OpportunityStage.choices)
    owner = IdFilter(field_name="owner_id")
    account = IdFilter(field_name="account_id")
    segment = filters.MultipleChoiceFilter(field_name="account__segment", choices=Segment.choices, label="Segment")
    territory = IdFilter(field_name="account__territory_id", label="Territory")
    amount_min = DecimalFilter(field_name="amount", lookup_expr="gte", label="Amount from")
    amount_max = DecimalFilter(field_name="amount", lookup_expr="lte", label="Amount up to")
    close_after = filters.DateFilter(field_name="close_date", lookup_expr="gte", label="Closes from")
    close_before = filters.DateFilter(field_name="close_date", lookup_expr="lte", label="Closes by")

    class Meta:
        model = Opportunity
        fields = ["stage", "owner", "account", "currency"]

    def filter_q(self, queryset, name, value):
        """The opportunity's or its account's name containing every word of `value`."""
        return every_word(queryset, value, "name", "account__name")


def every_word(queryset, value: str, *fields: str):
    """Rows where every word of `value` is contained in one of `fields` (case-insensitive)."""
    for word in value.split():
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset
