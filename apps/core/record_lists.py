"""Core's portal lists: leads, opportunities, accounts and contacts, each on its API's FilterSet
(`apps/core/api/filters.py`), served by `apps/core/list_views.py`."""

from django import forms
from django.utils import timezone

from apps.core import selectors
from apps.core.api.filters import AccountFilter, ContactFilter, LeadFilter, OpportunityFilter
from apps.core.forms import HandOffForm, ReasonForm, ReassignForm, active_sellers
from apps.core.lists import BulkAction, RecordList, Sort
from apps.core.models import Territory, User
from apps.core.permissions import scope_of, team_of
from apps.core.selectors_records import with_company_amounts
from apps.core.services import leads as lead_services

DATE = forms.DateInput(attrs={"type": "date"})


def _choices(rows, blank: str) -> list[tuple]:
    return [("", blank), *rows]


def people_choices(people) -> list[tuple]:
    """A select's choices for a filter on a person, by name (the value is their id, as the API takes it)."""
    return _choices([(person.pk, person.get_full_name() or person.username) for person in people], "Anyone")


def _owner_choices(user: User, *, everyone: bool) -> list[tuple]:
    """The owners a viewer may filter by: every seller, or (`everyone` false) those whose records they see: all for
    ops, their team for a manager, themselves for a rep."""
    people = active_sellers()
    scope = "everyone" if everyone else scope_of(user)
    if scope == "team":
        people = people.filter(pk__in=team_of(user))
    elif scope == "mine":
        people = people.filter(pk=user.pk)
    return people_choices(people)


def territory_choices() -> list[tuple]:
    return _choices(list(Territory.objects.order_by("name").values_list("pk", "name")), "Any territory")


def _people_widgets(user: User, *, everyone: bool = False) -> dict:
    """Owner and territory chosen by name on the page (the API takes their ids, as the page's form sends them)."""
    return {
        "owner": forms.Select(choices=_owner_choices(user, everyone=everyone)),
        "territory": forms.Select(choices=territory_choices()),
    }


# --- leads ---------------------------------------------------------------------------------------------------


def _qualify(lead, user, data) -> str:
    lead_services.lead_qualify(lead_id=lead.pk, actor=user)
    return "qualified"


def _hand_off(lead, user, data) -> str:
    moved = lead_services.lead_handoff(lead_id=lead.pk, owner=data["owner"], actor=user)
    return f"handed to {moved.owner}"


def _reassign(lead, user, data) -> str:
    moved = lead_services.lead_reassign(lead_id=lead.pk, owner=data["owner"], actor=user)
    return f"now owned by {moved.owner}"


def _recycle(lead, user, data) -> str:
    lead_services.lead_recycle(lead_id=lead.pk, actor=user, reason=data["reason"])
    return "recycled to marketing nurture"


LEADS = RecordList(
    name="leads",
    title="Leads",
    noun="leads",
    url_name="lead_list",
    queryset=lambda user: selectors.lead_list(user=user),
    filterset_class=LeadFilter,
    sorts={
        "moved": Sort("Newest move first", ("-stage_changed_at",)),
        "oldest_move": Sort("Oldest move first", ("stage_changed_at",)),
        "created": Sort("Newest lead first", ("-created_at",)),
        "score": Sort("Highest score first", ("-score",)),
    },
    default_sort="moved",
    primary_filters=("q", "stage", "owner", "segment", "territory"),
    id_filters=("account", "contact"),
    columns=("Lead", "Account", "Stage", "Owner", "Score", "Since"),
    rows_template="core/lists/_lead_rows.html",
    csv_fields=(
        ("id", "id"),
        ("stage", "stage"),
        ("source", "source"),
        ("score", "score"),
        ("owner", "owner__username"),
        ("account_id", "account_id"),
        ("account", "account__name"),
        ("contact_email", "contact__email"),
        ("contact_first_name", "contact__first_name"),
        ("contact_last_name", "contact__last_name"),
        ("stage_changed_at", "stage_changed_at"),
        ("created_at", "created_at"),
    ),
    empty="No lead you may see matches these filters. Leads arrive from web forms, imports and the API; "
    "marketing qualifies them and hands them to sales.",
    bulk_actions={
        "qualify": BulkAction("Qualify", lambda user: user.has_perm("core.may_hand_off_lead"), _qualify),
        "hand_off": BulkAction(
            "Hand off to sales", lambda user: user.has_perm("core.may_hand_off_lead"), _hand_off, HandOffForm
        ),
        "reassign": BulkAction(
            "Reassign", lambda user: user.has_perm("core.may_bulk_reassign_leads"), _reassign, ReassignForm
        ),
        "recycle": BulkAction(
            "Recycle to nurture", lambda user: user.has_perm("core.may_bulk_recycle_leads"), _recycle, ReasonForm
        ),
    },
    page_widgets=lambda user: {
        **_people_widgets(user),
        "created_after": DATE,
        "created_before": DATE,
    },
)


# --- opportunities ---------------------------------------------------------------------------------------------


OPPORTUNITIES = RecordList(
    name="opportunities",
    title="Opportunities",
    noun="opportunities",
    url_name="opportunity_list",
    queryset=lambda user: selectors.opportunity_list(user=user),
    filterset_class=OpportunityFilter,
    sorts={
        "closing": Sort("Closing soonest first", ("close_date",)),
        "closing_last": Sort("Closing last first", ("-close_date",)),
        "amount": Sort("Largest amount first", ("-amount",)),
        "created": Sort("Newest first", ("-created_at",)),
        "name": Sort("Name A–Z", ("name",)),
    },
    default_sort="closing",
    primary_filters=("q", "stage", "owner", "segment", "territory"),
    id_filters=("account",),
    columns=("Opportunity", "Account", "Stage", "Owner", "Amount", "Closes"),
    rows_template="core/lists/_opportunity_rows.html",
    csv_fields=(
        ("id", "id"),
        ("name", "name"),
        ("account_id", "account_id"),
        ("account", "account__name"),
        ("stage", "stage"),
        ("owner", "owner__username"),
        ("amount", "amount"),
        ("currency", "currency"),
        ("probability", "probability"),
        ("close_date", "close_date"),
        ("created_at", "created_at"),
    ),
    empty="No opportunity you may see matches these filters. Opportunities come from converting an accepted lead "
    "(its Convert button) or from the API.",
    page_widgets=lambda user: {
        **_people_widgets(user),
        "close_after": DATE,
        "close_before": DATE,
    },
    decorate=lambda rows: with_company_amounts(rows, today=timezone.localdate()),
)


# --- accounts and contacts (everyone reads them) -------------------------------------------------------------------


ACCOUNTS = RecordList(
    name="accounts",
    title="Accounts",
    noun="accounts",
    url_name="account_list",
    queryset=lambda user: selectors.account_list(user=user),
    filterset_class=AccountFilter,
    sorts={
        "name": Sort("Name A–Z", ("name",)),
        "created": Sort("Newest first", ("-created_at",)),
    },
    default_sort="name",
    primary_filters=("q", "segment", "owner", "territory"),
    columns=("Account", "Domain", "Segment", "Country", "Owner", "Territory"),
    rows_template="core/lists/_account_rows.html",
    csv_fields=(
        ("id", "id"),
        ("name", "name"),
        ("domain", "domain"),
        ("segment", "segment"),
        ("country", "country"),
        ("industry", "industry"),
        ("owner", "owner__username"),
        ("territory", "territory__name"),
        ("created_at", "created_at"),
    ),
    empty="No account matches these filters. Accounts are created by sales ops in the admin, by the API and by "
    "lead imports.",
    page_widgets=lambda user: _people_widgets(user, everyone=True),
)


CONTACTS = RecordList(
    name="contacts",
    title="Contacts",
    noun="contacts",
    url_name="contact_list",
    queryset=lambda user: selectors.contact_list(user=user),
    filterset_class=ContactFilter,
    sorts={
        "name": Sort("Last name A–Z", ("last_name", "first_name")),
        "created": Sort("Newest first", ("-created_at",)),
    },
    default_sort="name",
    primary_filters=("q", "can_be_emailed", "segment"),
    id_filters=("account",),
    columns=("Contact", "E-mail", "Account", "Consent", "May e-mail"),
    rows_template="core/lists/_contact_rows.html",
    csv_fields=(
        ("id", "id"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("email", "email"),
        ("title", "title"),
        ("account_id", "account_id"),
        ("account", "account__name"),
        ("consent_status", "consent_status"),
        ("email_opt_out", "email_opt_out"),
        ("created_at", "created_at"),
    ),
    page_widgets=lambda user: {
        "can_be_emailed": forms.Select(
            choices=[("", "Anyone"), ("true", "May be e-mailed"), ("false", "May not be e-mailed")]
        )
    },
    empty="No contact matches these filters. Contacts come with their leads (web forms, imports, the API) or are "
    "added by ops in the admin.",
)
