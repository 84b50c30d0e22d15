"""Who may do what: every role and record rule of smops, once, as named `rules` predicates.

Each rule is registered as a permission (`core.may_change_opportunity`, …), so that `user.has_perm(name, obj)`
answers it wherever the question comes from (services, API, pages, admin), and the scoping querysets the lists
are built from (`visible_leads`, `visible_opportunities`, `owned_by_visible`, `team_of`) sit beside the rules
they mirror. The role × action table in the README ("Who may do what") is this module written out.

Decisions this module settles, where the code used to disagree:

- Being up someone's manager chain gives rights over their records only to a *manager* (the role): the chain is
  data, the role is the grant. Lists and moves agree on this (they did not: moves walked the chain alone).
- Both ops roles read every lead, clock and opportunity (marketing hands leads to sales and reads the funnel);
  only sales ops change opportunities, work leads in sales stages and read every deal desk request. Marketing ops
  see a deal request only when it is put to them, like anyone else.
- Superusers (admins) pass every rule.
"""

import rules
from django.db.models import QuerySet

from apps.core.models import Lead, LeadStage, Opportunity, Role, User

# --- roles ---------------------------------------------------------------------------------------------------


def _role(role: str):
    @rules.predicate(name=f"is_{role}")
    def has_role(user) -> bool:
        # has_role is true for superusers: an admin holds every role
        return bool(getattr(user, "is_authenticated", False)) and user.has_role(role)

    return has_role


is_rep = _role(Role.REP)
is_manager = _role(Role.MANAGER)
is_sales_ops = _role(Role.SALES_OPS)
is_marketing_ops = _role(Role.MARKETING_OPS)
is_ops = is_sales_ops | is_marketing_ops
is_legal = _role(Role.LEGAL)


@rules.predicate
def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


# --- the manager chain -----------------------------------------------------------------------------------------


def team_of(user: User) -> set[int]:
    """Ids of the user and everyone who reports to them, directly or not (one query per level of the tree)."""
    ids, frontier = {user.pk}, {user.pk}
    while frontier:
        frontier = set(User.objects.filter(manager_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def managers_of(user_id: int) -> set[int]:
    """Ids of everyone up `user_id`'s manager chain (one query per level; stops at a cycle)."""
    ids, current = set(), User.objects.filter(pk=user_id).values_list("manager_id", flat=True).first()
    while current is not None and current not in ids and current != user_id:
        ids.add(current)
        current = User.objects.filter(pk=current).values_list("manager_id", flat=True).first()
    return ids


def _owner_id(record) -> int | None:
    """The owner of a record: a model with `owner`, a row dict of one (the API's lead rows), or a User itself."""
    if record is None:
        return None
    if isinstance(record, dict):
        return record.get("owner_id")
    if isinstance(record, User):
        return record.pk
    return getattr(record, "owner_id", None)


@rules.predicate
def owns(user, record) -> bool:
    owner_id = _owner_id(record)
    return owner_id is not None and owner_id == user.pk


@rules.predicate
def _is_up_the_chain(user, record) -> bool:
    owner_id = _owner_id(record)
    return owner_id is not None and owner_id != user.pk and user.pk in managers_of(owner_id)


manages_owner = is_manager & _is_up_the_chain
manages_owner.name = "manages_owner"


# --- leads ------------------------------------------------------------------------------------------------------

# Stages in which a lead is still marketing's to nurture.
MARKETING_STAGES = (LeadStage.NEW, LeadStage.MQL, LeadStage.RECYCLED)


@rules.predicate
def in_marketing_stage(user, lead) -> bool:
    stage = lead.get("stage") if isinstance(lead, dict) else getattr(lead, "stage", None)
    return stage in MARKETING_STAGES


# Accounts and contacts are shared reference data: everyone reads them, ops staff write them.
may_change_customers = is_ops

may_view_lead = is_ops | owns | manages_owner
may_create_lead = is_ops
# Qualify (→ mql) and hand off (→ sql): marketing's moves, which sales ops may make too.
may_hand_off_lead = is_ops
# Accept, reject, convert, recycle, disqualify, pause its SLA clock: the owner, their managers, sales ops.
may_accept_lead = is_sales_ops | owns | manages_owner
# Whether lead moves are theirs at all: the leads a rep, a manager or sales ops see are theirs to work; marketing
# ops read the sales stages but never work them, so they are offered no Accept, Reject or Convert.
may_work_leads = is_sales_ops | is_rep | is_manager
# Marketing ops may still recycle or disqualify a lead that has not reached sales.
may_change_lead = may_accept_lead | (is_marketing_ops & in_marketing_stage)
may_reassign_lead = is_sales_ops | manages_owner
# Which bulk moves the lead list offers at all (each row is then asked its own rule above by the service):
# qualify and hand off are `may_hand_off_lead`; reassigning is sales ops' and managers' (for their team's leads);
# recycling is for whoever works leads, and marketing ops for the leads still in marketing's stages.
may_bulk_reassign_leads = is_sales_ops | is_manager
may_bulk_recycle_leads = may_work_leads | is_marketing_ops

# --- opportunities ---------------------------------------------------------------------------------------------

may_view_opportunity = is_ops | owns | manages_owner
# Marketing ops read opportunities and never change them (their admin role is view-only too).
may_write_opportunities = is_sales_ops | is_manager | is_rep
may_change_opportunity = is_sales_ops | owns | manages_owner


@rules.predicate
def _is_self(user, owner) -> bool:
    return owner is not None and owner.pk == user.pk


# Whom a user may make the owner of a record (the object is the prospective owner).
may_assign_to = _is_self | is_sales_ops | (is_manager & _is_up_the_chain)

# --- SLA pages -------------------------------------------------------------------------------------------------

may_view_sla_team = is_manager | is_ops
may_view_sla_compliance = is_ops
may_change_sla_policies = is_sales_ops

# --- the deal desk ---------------------------------------------------------------------------------------------

may_request_deal = is_rep
may_view_every_deal = is_sales_ops
may_view_deal_report = is_sales_ops | is_manager
# Sales ops read every team's report; a manager their own team's (see `deal_report_requesters`).
may_view_every_deal_report = is_sales_ops


# Who decides a deal request is not a role but data (the request's route: its approvers, their delegates),
# answered by the deal desk's `may_decide` selector and refused by its `deal_request_decide` service.

# --- quotas and pipeline coverage -------------------------------------------------------------------------------

may_view_coverage = is_rep | is_manager | is_ops
# One person's figures (the object is the rep, or the manager whose team is asked for): themselves, their
# managers, ops. The list form is `scope_of` (ops all, a manager their team, a rep their own).
may_view_rep_coverage = is_ops | owns | manages_owner
may_manage_quotas = is_sales_ops
# Marketing's "pipeline to source" view, and the alert that carries it.
may_view_pipeline_to_source = is_ops
# --- territories and lead routing ------------------------------------------------------------------------------

# Territory alignment is sales ops' (the seed: "sales ops owns territory alignment"); everyone signed in reads the
# tree, its rules and members (who takes which leads is no secret inside the company).
may_change_territories = is_sales_ops
# "Who would get this lead": ops (marketing hands leads off, sales ops tunes the routing) and managers (for the
# leads they see: their team's). Reps do not: routing is not theirs to shop around (a 403).
may_preview_lead_route = is_ops | is_manager

# --- campaign budgets -------------------------------------------------------------------------------------------

may_manage_budgets = is_marketing_ops

# --- the content library ----------------------------------------------------------------------------------------

# Marketing owns the library: marketing ops create assets and run it in the admin.
may_manage_content = is_marketing_ops
# Reviewers approve or reject versions: marketing ops for every asset, legal as well for customer-facing ones.
# Which roles an asset needs, and that nobody approves a version of an asset they own or uploaded, is the
# library's review service's to answer (`content_review_roles` names the roles a user reviews in).
may_review_content = is_marketing_ops | is_legal
# Curators see the whole library: every status, every version, the history and usage (owners: their own assets).
is_content_curator = is_marketing_ops | is_legal
may_curate_asset = is_content_curator | owns
# An asset's details, new versions, submitting and archiving: its owner and marketing ops.
may_edit_asset = is_marketing_ops | owns
# Sharing is recorded on one's own opportunity (the share service checks the opportunity's owner).
may_share_content = is_rep | is_manager
may_view_content_reports = is_ops | is_manager

# --- the organisation (the user admin) --------------------------------------------------------------------------

# Roles sales ops may give and take: those below their own.
ROLES_SALES_OPS_ASSIGN = (Role.REP, Role.MANAGER)
OPS_ROLES = (Role.SALES_OPS, Role.MARKETING_OPS)


@rules.predicate
def _target_is_superuser(user, target) -> bool:
    return target is not None and target.is_superuser


@rules.predicate
def _target_is_ops(user, target) -> bool:
    return target is not None and target.groups.filter(name__in=OPS_ROLES).exists()


@rules.predicate
def _target_is_self(user, target) -> bool:
    return target is not None and target.pk == user.pk


# Sales ops manage the organisation below them: anyone but a superuser or another ops user (themselves, yes).
may_change_user = is_admin | (is_sales_ops & ~_target_is_superuser & (_target_is_self | ~_target_is_ops))
# Only admins set a password, a staff or superuser flag, or Django permissions.
may_set_password = is_admin
may_grant_privileges = is_admin


# --- registration --------------------------------------------------------------------------------------------------

PERMISSIONS = {
    "core.may_view_lead": may_view_lead,
    "core.may_create_lead": may_create_lead,
    "core.may_hand_off_lead": may_hand_off_lead,
    "core.may_accept_lead": may_accept_lead,
    "core.may_work_leads": may_work_leads,
    "core.may_change_lead": may_change_lead,
    "core.may_reassign_lead": may_reassign_lead,
    "core.may_bulk_reassign_leads": may_bulk_reassign_leads,
    "core.may_bulk_recycle_leads": may_bulk_recycle_leads,
    "core.may_view_opportunity": may_view_opportunity,
    "core.may_write_opportunities": may_write_opportunities,
    "core.may_change_customers": may_change_customers,
    "sales_ops.may_change_sla_policies": may_change_sla_policies,
    "core.may_change_opportunity": may_change_opportunity,
    "core.may_assign_to": may_assign_to,
    "core.may_change_user": may_change_user,
    "core.may_set_password": may_set_password,
    "core.may_grant_privileges": may_grant_privileges,
    "sales_ops.may_view_sla_team": may_view_sla_team,
    "sales_ops.may_view_sla_compliance": may_view_sla_compliance,
    "sales_ops.may_request_deal": may_request_deal,
    "sales_ops.may_view_every_deal": may_view_every_deal,
    "sales_ops.may_view_deal_report": may_view_deal_report,
    "sales_ops.may_view_coverage": may_view_coverage,
    "sales_ops.may_view_rep_coverage": may_view_rep_coverage,
    "sales_ops.may_manage_quotas": may_manage_quotas,
    "sales_ops.may_view_pipeline_to_source": may_view_pipeline_to_source,
    "sales_ops.may_change_territories": may_change_territories,
    "sales_ops.may_preview_lead_route": may_preview_lead_route,
    "marketing_ops.may_manage_budgets": may_manage_budgets,
    "marketing_ops.may_manage_content": may_manage_content,
    "marketing_ops.may_review_content": may_review_content,
    "marketing_ops.may_curate_asset": may_curate_asset,
    "marketing_ops.may_edit_asset": may_edit_asset,
    "marketing_ops.may_share_content": may_share_content,
    "marketing_ops.may_view_content_reports": may_view_content_reports,
}

for _name, _predicate in PERMISSIONS.items():
    rules.set_perm(_name, _predicate)


# --- scoping querysets: the lists, built from the same rules ---------------------------------------------------


def scope_of(user: User, *, everyone=is_ops) -> str:
    """How far `user` sees: "everyone" (the `everyone` rule holds), "team" (a manager) or "mine"."""
    if everyone(user):
        return "everyone"
    return "team" if is_manager(user) else "mine"


def owned_by_visible(queryset: QuerySet, user: User, owner_field: str = "owner", *, everyone=is_ops) -> QuerySet:
    """`queryset` cut to the records `user` may see by their owner: all of them (ops), their team's (a manager,
    transitively) or their own. The list form of `may_view_lead` and `may_view_opportunity`."""
    scope = scope_of(user, everyone=everyone)
    if scope == "everyone":
        return queryset
    if scope == "team":
        return queryset.filter(**{f"{owner_field}_id__in": team_of(user)})
    return queryset.filter(**{f"{owner_field}_id": user.pk})


def visible_leads(user: User, queryset: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    return owned_by_visible(Lead.objects.all() if queryset is None else queryset, user)


def visible_opportunities(user: User, queryset: QuerySet[Opportunity] | None = None) -> QuerySet[Opportunity]:
    return owned_by_visible(Opportunity.objects.all() if queryset is None else queryset, user)


def deal_report_requesters(user: User) -> set[int] | None:
    """Whose deal requests `user`'s deal desk report counts: everyone's (None) for sales ops, else their team's."""
    return None if may_view_every_deal_report(user) else team_of(user)


def content_review_roles(user: User) -> set[str]:
    """The reviewer roles (`Role` values) `user` approves content in: marketing ops, legal; an admin both."""
    if is_admin(user):
        return {Role.MARKETING_OPS, Role.LEGAL}
    return {role for role in (Role.MARKETING_OPS, Role.LEGAL) if user.is_authenticated and user.has_role(role)}


def assignable_roles(user: User) -> tuple[str, ...]:
    """The role groups `user` may give or take in the user admin."""
    return tuple(Role.values) if is_admin(user) else ROLES_SALES_OPS_ASSIGN if is_sales_ops(user) else ()


def workable_ids(user: User, records) -> set[int]:
    """Ids of `records` (leads or opportunities, with `owner_id`) whose owner rule holds for `user`: the list form
    of `may_accept_lead` and `may_change_opportunity` (sales ops, the owner, a manager up the owner's chain), asked
    once for a page of rows instead of once a row (one query per level of the user's team, whatever the rows)."""
    if is_sales_ops(user):
        return {record.pk for record in records}
    team = team_of(user) if is_manager(user) else {user.pk}
    return {record.pk for record in records if record.owner_id is not None and record.owner_id in team}
