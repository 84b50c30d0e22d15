"""The ops workbench for territories and lead routing: the territory tree (core's Territory admin, given the
routing inlines: its fallback owner, rules and members), the routing decisions (read-only), and a "who gets this
lead" tester that previews the routing of any lead without writing anything.

Core cannot know sales ops' models, so this module replaces core's Territory admin with a subclass of it.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin import TerritoryAdmin as CoreTerritoryAdmin
from apps.core.admin_utils import ReadOnlyAdmin
from apps.core.models import Lead, Territory
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRouting, TerritoryRule
from apps.sales_ops.coverage.services.routing import lead_route


class TerritoryRoutingInline(admin.StackedInline):
    model = TerritoryRouting
    fields = ["fallback_owner"]
    autocomplete_fields = ["fallback_owner"]
    can_delete = False
    verbose_name_plural = "routing"


class TerritoryRuleInline(admin.TabularInline):
    """Which leads come here. The model refuses a rule that matches nothing, and one routed elsewhere already."""

    model = TerritoryRule
    fields = ["account", "country", "segment"]
    autocomplete_fields = ["account"]
    extra = 1


class TerritoryMemberInline(admin.TabularInline):
    """Who takes them: weight 1 or more, cap empty (none) or 0 or more."""

    model = TerritoryMember
    fields = ["user", "weight", "cap"]
    autocomplete_fields = ["user"]
    extra = 1


admin.site.unregister(Territory)


@admin.register(Territory)
class TerritoryAdmin(CoreTerritoryAdmin):
    """The tree: each territory under its region (`parent`; a cycle is refused naming it), its routing inline."""

    list_display = ["tree_path", "code", "manager", "calendar", "rules", "members"]
    list_select_related = ["manager", "calendar", "parent__parent"]
    list_filter = ["parent", "calendar"]
    autocomplete_fields = ["parent", "manager", "calendar"]
    inlines = [TerritoryRoutingInline, TerritoryRuleInline, TerritoryMemberInline]
    change_list_template = "admin/sales_ops/coverage/territory_change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                rule_count=Count("routing_rules", distinct=True), member_count=Count("routing_members", distinct=True)
            )
        )

    @admin.display(description="territory")
    def tree_path(self, territory) -> str:
        return " › ".join(t.name for t in reversed(territory.ancestors(include_self=True)))

    @admin.display(description="rules", ordering="rule_count")
    def rules(self, territory) -> int:
        return territory.rule_count

    @admin.display(description="members", ordering="member_count")
    def members(self, territory) -> int:
        return territory.member_count

    def get_urls(self):
        view = self.admin_site.admin_view(self.route_tester_view)
        return [path("route-tester/", view, name="core_territory_route_tester"), *super().get_urls()]

    def route_tester_view(self, request):
        """Who gets this lead, and why, if it were handed off now without an owner. Writes nothing."""
        if not request.user.has_perm("sales_ops.may_preview_lead_route"):
            raise PermissionDenied("Previewing lead routing is for ops staff and managers.")
        form = RouteTesterForm(request.POST or None)
        decision = None
        if request.method == "POST" and form.is_valid():
            decision = lead_route(lead=form.cleaned_data["lead"], preview=True, actor=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": "Who gets this lead?",
            "opts": self.model._meta,
            "form": form,
            "decision": decision,
            "changelist_url": reverse("admin:core_territory_changelist"),
        }
        return TemplateResponse(request, "admin/sales_ops/coverage/route_tester.html", context)


class RouteTesterForm(forms.Form):
    lead = forms.ModelChoiceField(
        queryset=Lead.objects.select_related("account", "contact"),
        widget=forms.NumberInput,
        help_text="The lead's id (on its page, or in the leads list of the admin)",
    )


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    """Every routed hand-off: who got the lead and why. Written by the routing service only."""

    list_display = ["at", "lead", "owner", "territory", "method", "reason"]
    list_filter = ["method", "territory"]
    search_fields = ["reason", "owner__username", "owner__last_name"]
    list_select_related = ["lead__contact", "owner", "territory"]
    date_hierarchy = "at"
