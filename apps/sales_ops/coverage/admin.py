"""The ops workbench of coverage: quotas (with the CSV import), team quotas, snapshots (read only); the territory
tree, its rules and members, and the routing tester in `admin_territories`."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from apps.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.sales_ops.coverage import admin_territories  # noqa: F401  (registers its models)
from apps.sales_ops.coverage.models import CoverageSnapshot, CoverageSnapshotLine, Quota, TeamQuota
from apps.sales_ops.coverage.services import quotas


@admin.register(Quota)
class QuotaAdmin(WorkbenchAdmin):
    list_display = ["quarter", "rep", "amount", "updated_at"]
    list_filter = ["quarter"]
    search_fields = ["rep__username", "rep__first_name", "rep__last_name", "quarter"]
    list_select_related = ["rep"]
    autocomplete_fields = ["rep"]
    change_list_template = "admin/sales_ops/quota/change_list.html"

    def save_model(self, request, obj, form, change):
        quotas.quota_set(rep=obj.rep, quarter=obj.quarter, amount=obj.amount, actor=request.user)

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_view)
        return [path("import/", import_view, name="sales_ops_quota_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload the year's quotas as CSV: every row checked, all written or none, errors by line and column.

        "Check the file" writes nothing; only the Import button writes (Enter presses the check)."""
        if not request.user.has_perm("sales_ops.may_manage_quotas"):
            return redirect("admin:sales_ops_quota_changelist")
        report = None
        if request.method == "POST" and request.FILES.get("file"):
            report = quotas.quota_import(
                data=request.FILES["file"].read(), dry_run="import" not in request.POST, actor=request.user
            )
            if report.ok and not report.dry_run:
                messages.success(request, report.summary())
                return redirect("admin:sales_ops_quota_changelist")
        context = {**self.admin_site.each_context(request), "title": "Import quotas", "report": report,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/sales_ops/quota/import.html", context)


@admin.register(TeamQuota)
class TeamQuotaAdmin(WorkbenchAdmin):
    list_display = ["quarter", "manager", "amount", "updated_at"]
    list_filter = ["quarter"]
    search_fields = ["manager__username", "manager__last_name", "quarter"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]

    def save_model(self, request, obj, form, change):
        quotas.team_quota_set(manager=obj.manager, quarter=obj.quarter, amount=obj.amount, actor=request.user)


class SnapshotLineInline(ReadOnlyInline):
    model = CoverageSnapshotLine
    fields = ["rep", "quota", "open_pipeline", "won", "gap", "coverage", "required_multiple", "win_rate", "status"]


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdmin):
    """Quarter-start snapshots: taken by beat on the quarter's first day, never changed."""

    list_display = ["quarter", "taken_on", "taken_at"]
    readonly_fields = ["quarter", "taken_on", "taken_at", "definition", "fiscal_year_start_month",
                       "default_multiple", "min_closed_deals", "thin_ratio"]  # fmt: skip
    inlines = [SnapshotLineInline]
