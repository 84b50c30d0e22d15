"""The portal's campaign list for marketing ops, on the API's FilterSet (`filters.CampaignFilter`), served at
/marketing/campaigns/ by `apps/core/list_views.py`. What a campaign has spent is on the budget page, not here."""

from django import forms

from apps.core.lists import RecordList, Sort
from apps.core.models import User
from apps.core.permissions import may_manage_budgets
from apps.core.record_lists import DATE, people_choices, territory_choices
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.filters import CampaignFilter
from apps.marketing_ops.budgets.models import Campaign, Program


def _owner_choices() -> list[tuple]:
    """Everyone who owns a campaign, by name (one query)."""
    owners = User.objects.filter(pk__in=Campaign.objects.order_by().values("owner_id"))
    return people_choices(owners.order_by("first_name", "last_name", "username"))


def _program_choices() -> list[tuple]:
    return [("", "Any program"), *Program.objects.order_by("name").values_list("pk", "name")]


def _quarter_choices() -> list[tuple]:
    """The quarters campaigns draw from, latest first: a saved filter's quarter is always among them."""
    quarters = Campaign.objects.order_by("-fiscal_quarter").values_list("fiscal_quarter", flat=True).distinct()
    return [("", "Any quarter"), *((quarter, quarter) for quarter in quarters)]


CAMPAIGNS = RecordList(
    name="campaigns",
    title="Campaigns",
    noun="campaigns",
    url_name="marketing_ops:campaign_list",
    queryset=lambda user: selectors.campaign_list(),
    filterset_class=CampaignFilter,
    # No keyset index backs these sorts (the lead, deal and other lists have one per sort): campaigns number in the
    # hundreds, not millions, so a sort reads them all cheaply; add `campaign_*_keyset` indexes if that changes.
    sorts={
        "starts_last": Sort("Latest start first", ("-start_date",)),
        "starts": Sort("Earliest start first", ("start_date",)),
        "ends": Sort("Ending soonest first", ("end_date",)),
        "planned": Sort("Largest plan first", ("-planned_amount",)),
        "name": Sort("Name A–Z", ("name",)),
        "created": Sort("Newest first", ("-created_at",)),
    },
    default_sort="starts_last",
    primary_filters=("q", "status", "channel", "quarter", "owner"),
    id_filters=("envelope",),
    columns=("Campaign", "Channel", "Status", "Owner", "Runs", "Planned"),
    rows_template="marketing_ops/campaigns/_rows.html",
    csv_fields=(
        ("id", "id"),
        ("name", "name"),
        ("channel", "channel"),
        ("status", "status"),
        ("owner", "owner__username"),
        ("start_date", "start_date"),
        ("end_date", "end_date"),
        ("fiscal_quarter", "fiscal_quarter"),
        ("program", "program__name"),
        ("segment", "segment"),
        ("territory", "region__name"),
        ("envelope_id", "envelope_id"),
        ("planned_amount", "planned_amount"),
        ("expected_leads", "expected_leads"),
        ("expected_pipeline", "expected_pipeline"),
        ("created_at", "created_at"),
    ),
    empty="No campaign matches these filters. Marketing ops create campaigns in the admin or through the API, "
    "drawing their plan from a quarter's envelope.",
    may_view=may_manage_budgets,
    refusal="Campaigns and their budgets are for marketing ops.",
    page_widgets=lambda user: {
        "owner": forms.Select(choices=_owner_choices()),
        "quarter": forms.Select(choices=_quarter_choices()),
        "territory": forms.Select(choices=territory_choices()),
        "program": forms.Select(choices=_program_choices()),
        "runs_from": DATE,
        "runs_until": DATE,
    },
    intro_template="marketing_ops/campaigns/_intro.html",
)
