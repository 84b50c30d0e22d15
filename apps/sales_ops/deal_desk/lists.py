"""The deal desk's portal list: the requests a user may see (`selectors.deal_request_list`), filtered by the API's
FilterSet (`filters.DealRequestFilter`), served at /sales/deals/ by `apps/core/list_views.py`.

No bulk moves: the deal desk's moves are one request at a time by design (a submit routes through the approval
matrix, a recall tells the approvers, a decision is checked against the revision the approver saw)."""

from django import forms

from apps.core.lists import RecordList, Sort
from apps.core.permissions import may_request_deal, may_view_every_deal, scope_of
from apps.core.record_lists import DATE, people_choices, territory_choices
from apps.sales_ops.deal_desk import selectors
from apps.sales_ops.deal_desk.filters import DealRequestFilter
from apps.sales_ops.deal_desk.models import DealRequest

Status = DealRequest.Status

# Quick links above the filters: one status each (the filters below choose several, or combine them).
STATUS_TABS = [
    ("", "All"),
    (Status.DRAFT, "Drafts"),
    (Status.SUBMITTED, "Under review"),
    (Status.CHANGES_REQUESTED, "Changes requested"),
    (Status.APPROVED, "Approved"),
    (Status.REJECTED, "Rejected"),
    (Status.RECALLED, "Recalled"),
    (Status.EXPIRED, "Expired"),
]


def _intro(request) -> dict:
    """The deal desk's tabs, the New request button (reps only) and the status quick links."""
    statuses = request.GET.getlist("status")
    return {
        "scope": scope_of(request.user, everyone=may_view_every_deal),
        "may_request": may_request_deal(request.user),
        "tabs": STATUS_TABS,
        "tab": statuses[0] if len(statuses) == 1 else "" if not statuses else None,
    }


DEAL_REQUESTS = RecordList(
    name="deals",
    title="Deal desk",
    noun="deal requests",
    url_name="sales_ops:deal_list",
    queryset=lambda user: selectors.deal_request_list(user=user),
    filterset_class=DealRequestFilter,
    sorts={
        "newest": Sort("Newest first", ("-created_at",)),
        "oldest": Sort("Oldest first", ("created_at",)),
        "discount": Sort("Largest discount first", ("-discount_percent",)),
        "amount": Sort("Largest net amount first", ("-net_amount",)),
        "status": Sort("Status, then newest", ("status", "-created_at")),
    },
    default_sort="newest",
    primary_filters=("q", "status", "requester", "inbox"),
    id_filters=("opportunity", "account"),
    columns=("Request", "Opportunity", "Rep", "Net amount", "Discount", "Status", "Waiting on", "Submitted"),
    rows_template="sales_ops/deals/_list_rows.html",
    csv_fields=(
        ("id", "id"),
        ("status", "status"),
        ("opportunity_id", "opportunity_id"),
        ("opportunity", "opportunity__name"),
        ("account_id", "opportunity__account_id"),
        ("account", "opportunity__account__name"),
        ("requester", "requester__username"),
        ("list_amount", "list_amount"),
        ("net_amount", "net_amount"),
        ("currency", "currency"),
        ("discount_percent", "discount_percent"),
        ("term_months", "term_months"),
        ("payment_terms", "payment_terms"),
        ("billing_frequency", "billing_frequency"),
        ("revision", "revision"),
        ("submitted_at", "submitted_at"),
        ("decided_at", "decided_at"),
        ("expires_at", "expires_at"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ),
    empty="No deal request you may see matches these filters. Reps open one when a deal needs a price or terms "
    "outside policy; approvers see here those put to them.",
    page_widgets=lambda user: {
        "requester": forms.Select(choices=people_choices(selectors.deal_requesters(user=user))),
        "territory": forms.Select(choices=territory_choices()),
        "inbox": forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")]),
        "submitted_after": DATE,
        "submitted_before": DATE,
    },
    intro_template="sales_ops/deals/_list_intro.html",
    intro_context=_intro,
)
