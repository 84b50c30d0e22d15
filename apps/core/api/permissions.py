"""API permissions: each asks a rule of apps/core/permissions.py through `has_perm`, per action.

Record-level visibility is the selectors' (another's record is a 404); these answer what a role may do (a 403).
"""

from rest_framework.permissions import IsAuthenticated


class RulePermission(IsAuthenticated):
    """Asks `user.has_perm(rule)` for the view's action (without an object), then `has_perm(rule, obj)`.

    `action_rules` maps an action to a rule name; `object_rules` the same for the object the action touches.
    Actions in neither are open to everyone signed in (reads, whose scope the selectors cut).
    """

    action_rules: dict[str, str] = {}
    object_rules: dict[str, str] = {}

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        rule = self.action_rules.get(getattr(view, "action", None))
        if rule is not None and not request.user.has_perm(rule):
            self.message = _message(rule)
            return False
        return True

    def has_object_permission(self, request, view, obj):
        rule = self.object_rules.get(getattr(view, "action", None))
        if rule is not None and not request.user.has_perm(rule, obj):
            self.message = _message(rule)
            return False
        return True


MESSAGES = {
    "core.may_create_lead": "Only marketing-ops or sales-ops staff may create leads.",
    "core.may_write_opportunities": "Only reps, managers and sales ops may change opportunities.",
    "core.may_change_customers": "Only sales-ops or marketing-ops staff may change these records.",
    "sales_ops.may_change_sla_policies": "Only sales ops may change SLA policies.",
    "marketing_ops.may_manage_budgets": "Campaign budgets and spend are for marketing ops.",
    "core.may_change_opportunity": "Only the owner, their managers or sales ops may change this opportunity.",
    "marketing_ops.may_manage_content": "Only marketing ops create assets in the library.",
    "marketing_ops.may_review_content": "Content is reviewed by marketing ops and legal.",
    "marketing_ops.may_edit_asset": "Only the asset's owner or marketing ops may change it or upload a version.",
    "marketing_ops.may_share_content": "Only reps and managers record shares with their contacts.",
}


def _message(rule: str) -> str:
    return MESSAGES.get(rule, "You may not do this.")


class LeadCreateByOps(RulePermission):
    message = MESSAGES["core.may_create_lead"]
    action_rules = {"create": "core.may_create_lead"}


class OpportunityRules(RulePermission):
    """Marketing ops read opportunities and never change them; reps and managers change their own and their team's."""

    action_rules = {
        "create": "core.may_write_opportunities",
        "update": "core.may_write_opportunities",
        "partial_update": "core.may_write_opportunities",
        "move": "core.may_write_opportunities",
    }
    object_rules = {
        "update": "core.may_change_opportunity",
        "partial_update": "core.may_change_opportunity",
        "move": "core.may_change_opportunity",
    }


WRITES = ("create", "update", "partial_update", "destroy")


class OpsWriteOrReadOnly(RulePermission):
    """Everyone signed in reads; ops staff (and the systems they run) write."""

    message = MESSAGES["core.may_change_customers"]
    action_rules = dict.fromkeys(WRITES, "core.may_change_customers")
